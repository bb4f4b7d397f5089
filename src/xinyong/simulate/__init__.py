"""Synthetic populations of persons and organisations for demos, tests and benchmarks."""

from xinyong.simulate.population import DEFAULT_AS_OF, Population, generate_population

__all__ = ["DEFAULT_AS_OF", "Population", "generate_population"]
