"""Small graphs and stores for the relationships factor's tests.

``load_graph`` puts a tie table and a standing table on a DuckDB connection, the shapes that
``factor_from_ties`` reads, so that property tests run without a store. ``StoreBuilder`` writes
real events through the store's append path for the end-to-end tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from xinyong.catalog import default_catalogue
from xinyong.catalog.identifiers import generate_prc_resident_ids, generate_usccs
from xinyong.scoring.network import TIE_TYPES, GraphTables
from xinyong.store import Store

CATALOGUE = default_catalogue()
TODAY = date.today()
PEOPLE: list[str] = generate_prc_resident_ids(np.random.default_rng(5), 40)
ORGS: list[str] = generate_usccs(np.random.default_rng(6), 12)


@dataclass(frozen=True)
class Tie:
    src: int
    dst: int
    tie_type: str = "relationship.guarantor_of"
    weight: float = 1.0


@dataclass(frozen=True)
class Graph:
    """Ties between integer nodes; ``pretrusted`` and ``adverse`` describe the nodes' standing."""

    ties: tuple[Tie, ...]
    pretrusted: frozenset[int] = frozenset()
    adverse: dict[int, float] = field(default_factory=dict)

    def nodes(self) -> set[int]:
        return {t.src for t in self.ties} | {t.dst for t in self.ties}

    def merged(self, other: Graph) -> Graph:
        return Graph(self.ties + other.ties, self.pretrusted | other.pretrusted,
                     {**self.adverse, **other.adverse})


def load_graph(con: duckdb.DuckDBPyConnection, graph: Graph) -> GraphTables:
    """The graph as the ``ties`` and ``standing`` tables of a factor run."""
    tables = GraphTables()
    ties = pa.table({
        "src": pa.array([t.src for t in graph.ties], pa.int32()),
        "dst": pa.array([t.dst for t in graph.ties], pa.int32()),
        "tie_type": pa.array([t.tie_type for t in graph.ties], pa.string()),
        "since": pa.array([date(2025, 1, 1)] * len(graph.ties), pa.date32()),
        "weight": pa.array([t.weight for t in graph.ties], pa.float64()),
    })
    nodes = sorted(graph.nodes())
    standing = pa.table({
        "node": pa.array(nodes, pa.int32()),
        "pretrusted": pa.array([n in graph.pretrusted for n in nodes], pa.bool_()),
        "adverse": pa.array([graph.adverse.get(n, 0.0) for n in nodes], pa.float64()),
        "adverse_event": pa.array(
            ["loan.defaulted" if graph.adverse.get(n, 0.0) > 0 else None for n in nodes],
            pa.string()),
        "adverse_at": pa.array(
            [date(2026, 3, 14) if graph.adverse.get(n, 0.0) > 0 else None for n in nodes],
            pa.date32()),
    })
    con.register("_incoming_ties", ties)
    con.register("_incoming_standing", standing)
    # Pairs repeated with the same type are one tie, as the store's GROUP BY makes them.
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {tables.ties} AS SELECT src, dst, tie_type, "
        "MIN(since) AS since, SUM(weight) AS weight FROM _incoming_ties WHERE src <> dst "
        "GROUP BY src, dst, tie_type"
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE {tables.standing} AS SELECT * FROM _incoming_standing")
    con.unregister("_incoming_ties")
    con.unregister("_incoming_standing")
    return tables


def random_links(
    rng: np.random.Generator, nodes: int, edges: int, pretrusted: int
) -> tuple[pa.Table, pa.Table]:
    """A random ``links(dst, src, weight)`` table (power-law-ish) and a ``pretrust(node)`` one."""
    weights = np.arange(1, nodes + 1, dtype=np.float64) ** -0.7
    cdf = np.cumsum(weights) / weights.sum()
    src = np.minimum(np.searchsorted(cdf, rng.random(edges)), nodes - 1)
    dst = np.minimum(np.searchsorted(cdf, rng.random(edges)), nodes - 1)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    # Leave some nodes isolated and some only receiving (dangling).
    order = np.lexsort((src, dst))
    links = pa.table({
        "dst": pa.array(dst[order].astype(np.int32)),
        "src": pa.array(src[order].astype(np.int32)),
        "weight": pa.array(rng.lognormal(0.0, 1.0, order.size)),
    })
    chosen = np.sort(rng.choice(nodes + 5, size=pretrusted, replace=False)).astype(np.int32)
    return links, pa.table({"node": pa.array(chosen)})


# -- stores ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Event:
    kind: str
    subject_id: str
    event_type: str
    days_ago: int
    amount: float | None = None
    counterparty_kind: str | None = None
    counterparty_id: str | None = None


def person(i: int) -> tuple[str, str]:
    return "person", PEOPLE[i]


def org(i: int) -> tuple[str, str]:
    return "organisation", ORGS[i]


def tie(who: tuple[str, str], tie_type: str, other: tuple[str, str], days_ago: int = 100,
        amount: float | None = None) -> Event:
    assert tie_type in TIE_TYPES
    return Event(who[0], who[1], tie_type, days_ago, amount, other[0], other[1])


def event(who: tuple[str, str], event_type: str, days_ago: int = 400,
          amount: float | None = None) -> Event:
    return Event(who[0], who[1], event_type, days_ago, amount)


def batch(events: list[Event], prefix: str = "e") -> pa.Table:
    arrow_types = {"INTEGER": pa.int32(), "DOUBLE": pa.float64(), "VARCHAR": pa.string()}
    columns: dict[str, Any] = {
        "furnisher": pa.array(["lender-a"] * len(events), pa.string()),
        "event_id": pa.array([f"{prefix}{i}" for i in range(len(events))], pa.string()),
        "subject_kind": pa.array([e.kind for e in events], pa.string()),
        "subject_id": pa.array([e.subject_id for e in events], pa.string()),
        "event_type": pa.array([e.event_type for e in events], pa.string()),
        "occurred_at": pa.array(
            [datetime.combine(TODAY - timedelta(days=e.days_ago), time(12)) for e in events],
            pa.timestamp("us")),
        "amount": pa.array([e.amount for e in events], pa.float64()),
    }
    for name, attribute in CATALOGUE.attributes.items():
        values = [getattr(e, name, None) for e in events]
        columns[name] = pa.array(values, arrow_types[attribute.sql_type])
    return pa.table(columns)


def make_store(home: Path, events: list[Event]) -> Store:
    store = Store.init(home)
    result = store.append_events(batch(events))
    assert result.accepted == len(events)
    return store


def key(store: Store, who: tuple[str, str]) -> int:
    return store.find_subject(who[1], who[0])[0]
