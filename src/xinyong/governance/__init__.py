"""Subject rights and governance: report, disputes, enrollment and erasure, retention, the audit
chain, fairness, monitoring and what-if comparison of models.
"""

from xinyong.governance._audit import record_audit

__all__ = ["record_audit"]
