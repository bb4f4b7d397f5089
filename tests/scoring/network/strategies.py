"""Hypothesis strategies for tie graphs, honest ones and collusion rings."""

from __future__ import annotations

from hypothesis import strategies as st

from xinyong.scoring.network import TIE_TYPES

from .builders import Graph, Tie

weights = st.one_of(
    st.sampled_from([1.0, 0.5, 0.01]),
    st.floats(min_value=1e-3, max_value=1e3, allow_nan=False, allow_infinity=False),
)


@st.composite
def ties_among(draw: st.DrawFn, sources: list[int], targets: list[int], max_size: int) -> list[Tie]:
    return draw(st.lists(
        st.builds(Tie, st.sampled_from(sources), st.sampled_from(targets),
                  st.sampled_from(TIE_TYPES), weights),
        max_size=max_size,
    ))


@st.composite
def graphs(draw: st.DrawFn, max_nodes: int = 10, first: int = 1) -> Graph:
    """An honest population: any ties, some subjects pre-trusted, some with adverse events."""
    n = draw(st.integers(2, max_nodes))
    nodes = list(range(first, first + n))
    ties = draw(ties_among(nodes, nodes, 3 * n))
    pretrusted = draw(st.frozensets(st.sampled_from(nodes)))
    adverse = draw(st.dictionaries(
        st.sampled_from(nodes), st.floats(min_value=0.05, max_value=1.0), max_size=n // 2))
    return Graph(tuple(ties), pretrusted - set(adverse), adverse)


@st.composite
def rings(draw: st.DrawFn, outsiders: list[int], first: int) -> Graph:
    """Fresh accounts vouching for each other, as densely and heavily as they like, and for
    outsiders. No one outside the ring declares a tie to it, and none of it is pre-trusted."""
    size = draw(st.integers(2, 8))
    members = list(range(first, first + size))
    # Every member vouches for the next (a cycle), and any pair may add more ties of its own.
    cycle = [Tie(a, members[(i + 1) % size], draw(st.sampled_from(TIE_TYPES)), draw(weights))
             for i, a in enumerate(members)]
    extra = draw(ties_among(members, members, size * size))
    inner = cycle + [t for t in extra if t.src != t.dst]
    outward = draw(ties_among(members, outsiders, 2 * size)) if outsiders else []
    return Graph(tuple(inner + outward))
