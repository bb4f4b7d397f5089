"""Metro 2 files through the whole ingestion pipeline (reader → validation → store)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.shared_data import shared_dir
from xinyong.ingest import FileRefused, ingest_file
from xinyong.ingest.metro2 import metro2_fixed_bytes
from xinyong.store import Store

CONFORMANCE = shared_dir() / "conformance" / "metro2"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.init(tmp_path / "us", jurisdiction="us")
    s.add_furnisher("bank", ["loan.*", "relationship.*"])
    return s


@pytest.mark.skipif(not CONFORMANCE.is_dir(), reason="shared Metro 2 conformance files absent")
def test_the_three_physical_formats_store_the_same_events(store: Store) -> None:
    first = ingest_file(store, CONFORMANCE / "unpacked_fixed_file.dat", furnisher="bank",
                        fmt="metro2")
    assert first.accepted > 0 and first.quarantined == 0
    for name in ("unpacked_variable_file.dat", "packed_file.dat"):
        again = ingest_file(store, CONFORMANCE / name, furnisher="bank", fmt="metro2")
        assert (again.accepted, again.duplicates, again.quarantined) == (0, first.accepted, 0)


@pytest.mark.skipif(not CONFORMANCE.is_dir(), reason="shared Metro 2 conformance files absent")
@pytest.mark.parametrize("name", ["invalid_crasher_10c93541.dat", "invalid_crasher_616e90a0.dat"])
def test_crasher_files_are_refused_cleanly(store: Store, name: str) -> None:
    with pytest.raises(FileRefused) as info:
        ingest_file(store, CONFORMANCE / name, furnisher="bank", fmt="metro2")
    assert info.value.code.startswith("M2_")
    assert store.query("SELECT COUNT(*) FROM events") == [(0,)]


def test_generated_file_maps_history_to_repayment_events(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "g.dat"
    path.write_bytes(metro2_fixed_bytes(50, seed=3))
    summary = ingest_file(store, path, furnisher="bank", fmt="metro2")
    assert summary.accepted > 50 and summary.quarantined == 0
    kinds = dict(store.query("SELECT CAST(event_type AS VARCHAR), COUNT(*) FROM events GROUP BY 1"))
    assert kinds.get("loan.repaid_on_time", 0) > 0
    assert set(kinds) <= {"loan.repaid_on_time", "loan.repaid_late", "loan.defaulted",
                          "relationship.co_borrower_with"}


def test_metro2_into_a_cn_home_quarantines_ssns(tmp_path: Path) -> None:
    s = Store.init(tmp_path / "cn")
    s.add_furnisher("bank", ["loan.*", "relationship.*"])
    path = tmp_path / "g.dat"
    path.write_bytes(metro2_fixed_bytes(5, seed=3))
    summary = ingest_file(s, path, furnisher="bank", fmt="metro2")
    assert summary.accepted == 0 and summary.quarantined > 0
    assert {e["code"] for e in summary.errors} <= {"ID_LENGTH", "ID_CHARSET", "ID_CHECKSUM",
                                                    "ID_BIRTH_DATE", "COUNTERPARTY_ID_INVALID"}
