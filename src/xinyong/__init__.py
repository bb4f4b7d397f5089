"""xinyong: an open trust-scoring platform.

Furnishers report conduct events; a rulebook compiled to SQL turns each subject's events into a
score with a tier, a rank and the reasons; subjects and relying parties see it explained.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
