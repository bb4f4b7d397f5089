"""Protected groups for the audit live apart from scoring, keyed by subject, without raw IDs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.governance.builders import hand_store, put_run
from xinyong.errors import XinyongError
from xinyong.governance._fairness import (
    fairness_report,
)
from xinyong.governance._groups import clear_groups, groups_path, load_groups_file, read_groups
from xinyong.store import Store

# Labels no other part of a store would ever contain, so that a byte search is meaningful.
FEMALE, MALE, YOUNG, OLD = "sexlabel-qf7x", "sexlabel-qm9z", "agelabel-k3yy", "agelabel-k8oo"
AS_OF = date(2026, 11, 1)


def _csv(path: Path, ids: list[str], extra: list[str] | None = None) -> Path:
    lines = ["national_id,sex,age_band"]
    lines += [f"{pid},{FEMALE if i % 2 else MALE},{YOUNG if i < 15 else OLD}"
              for i, pid in enumerate(ids)]
    lines += extra or []
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def test_load_keys_groups_by_subject(tmp_path: Path) -> None:
    store, ids = hand_store(tmp_path, 30)
    load = load_groups_file(store, _csv(tmp_path / "g.csv", ids, [
        "not-an-id,x,y", "110101199003070012,x,y", f"{ids[0]},{FEMALE},{YOUNG}"]),
        id_column="national_id")
    assert (load.rows, load.matched, load.attributes) == (33, 30, ("sex", "age_band"))
    assert load.duplicate_rows == 1
    assert len(load.invalid_rows) + len(load.unknown_rows) == 2 and 31 in load.invalid_rows
    groups = read_groups(store.home)
    assert groups.attributes == ("sex", "age_band")
    sex = groups.frame[groups.frame["attribute"] == "sex"].set_index("subject_key")["group"]
    assert sex[1] == MALE and sex[2] == FEMALE  # the first row wins for a repeated subject
    assert len(groups.frame) == 60


def test_groups_are_out_of_scorings_reach(tmp_path: Path) -> None:
    store, ids = hand_store(tmp_path, 30)
    put_run(store, "sesame-like", AS_OF, [(k, 600.0 + k, "good") for k in range(1, 31)])
    load_groups_file(store, _csv(tmp_path / "g.csv", ids), id_column="national_id")
    report = fairness_report(store, "sesame-like", AS_OF, read_groups(store.home), min_group=5)
    assert report["labelled"] == 30
    tables = {r[0] for r in store.con.execute(
        "SELECT table_name FROM information_schema.tables").fetchall()}
    assert not {"subject_groups", "group_loads", "audit_group_ids"} & tables
    databases = {r[0] for r in store.con.execute(
        "SELECT database_name FROM duckdb_databases() WHERE NOT internal").fetchall()}
    assert databases == {"xinyong"}
    home = store.home
    store.close()
    main = b"".join(p.read_bytes() for p in home.glob("xinyong.duckdb*"))
    for label in (FEMALE, MALE, YOUNG, OLD):
        assert label.encode() not in main
    assert groups_path(home).stat().st_mode & 0o777 == 0o600
    assert groups_path(home).parent.stat().st_mode & 0o777 == 0o700
    kept = groups_path(home).read_bytes()
    assert FEMALE.encode() in kept  # the search would find a label where there is one
    for pid in ids:
        assert pid.encode() not in kept


def test_parquet_and_chosen_attributes(tmp_path: Path) -> None:
    store, ids = hand_store(tmp_path, 12)
    path = tmp_path / "g.parquet"
    pq.write_table(pa.table({"id": ids, "sex": [MALE] * 12, "age": pa.array(range(12))}), path)
    load = load_groups_file(store, path, id_column="id", attributes=["age"])
    assert load.attributes == ("age",) and load.matched == 12
    assert set(read_groups(store.home).frame["group"]) == {str(i) for i in range(12)}


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"id_column": "nope"}, "GROUPS_ID_COLUMN"),
    ({"id_column": "national_id", "attributes": ["religion"]}, "GROUPS_ATTRIBUTES"),
    ({"id_column": "national_id", "attributes": ["national_id"]}, "GROUPS_ATTRIBUTES"),
])
def test_bad_requests_are_refused(tmp_path: Path, kwargs: dict[str, object], code: str) -> None:
    store, ids = hand_store(tmp_path, 3)
    with pytest.raises(XinyongError) as caught:
        load_groups_file(store, _csv(tmp_path / "g.csv", ids), **kwargs)  # type: ignore[arg-type]
    assert caught.value.code == code


def test_missing_or_unreadable_files(tmp_path: Path) -> None:
    store, _ = hand_store(tmp_path, 3)
    with pytest.raises(XinyongError) as caught:
        load_groups_file(store, tmp_path / "none.csv", id_column="id")
    assert caught.value.code == "GROUPS_FILE_NOT_FOUND"
    (tmp_path / "bad.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(XinyongError) as caught:
        load_groups_file(store, tmp_path / "bad.parquet", id_column="id")
    assert caught.value.code == "GROUPS_FILE_UNREADABLE"


def test_clear_and_audit_entries(tmp_path: Path) -> None:
    store, ids = hand_store(tmp_path, 5)
    with pytest.raises(XinyongError) as caught:
        read_groups(store.home)
    assert caught.value.code == "NO_GROUPS"
    load_groups_file(store, _csv(tmp_path / "g.csv", ids), id_column="national_id")
    assert clear_groups(store) and not groups_path(store.home).exists()
    assert not clear_groups(store)
    actions = [r[0] for r in store.con.execute("SELECT action FROM audit_log ORDER BY seq")
               .fetchall()]
    assert actions == ["audit.groups_load", "audit.groups_clear"]
    store.close()
    reopened = Store.open(tmp_path / "home")
    with pytest.raises(XinyongError):
        read_groups(reopened.home)
    reopened.close()


def test_cli_load_and_clear(tmp_path: Path) -> None:
    import json

    import typer
    from typer.testing import CliRunner

    from xinyong.governance._cli_fairness import register

    app, audit = typer.Typer(), typer.Typer()
    register(audit, typer.Typer(), typer.Typer())
    app.add_typer(audit, name="audit")
    store, ids = hand_store(tmp_path, 20)
    home = store.home
    store.close()
    runner = CliRunner()
    path = _csv(tmp_path / "g.csv", ids, ["bad-id,x,y"])
    loaded = runner.invoke(app, ["audit", "groups", "load", str(path), "--id-column",
                                 "national_id", "--home", str(home), "--json"])
    assert loaded.exit_code == 0, loaded.output
    assert json.loads(loaded.stdout) | {"sha256": ""} == {
        "rows": 21, "matched": 20, "attributes": ["sex", "age_band"], "invalid": 1, "unknown": 0,
        "first_invalid_rows": [21], "first_unknown_rows": [], "duplicates": 0, "sha256": ""}
    text = runner.invoke(app, ["audit", "groups", "load", str(path), "--id-column",
                               "national_id", "--home", str(home)])
    assert "1 row (21) with an invalid ID" in " ".join(text.stdout.split())
    cleared = runner.invoke(app, ["audit", "groups", "clear", "--home", str(home), "--json"])
    assert json.loads(cleared.stdout) == {"deleted": True}
    assert not groups_path(home).exists()
