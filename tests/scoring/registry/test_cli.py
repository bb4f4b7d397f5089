"""``xinyong model list|show|register|promote|retire`` and ``xinyong score`` end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.decisions.conftest import AS_OF, World
from tests.scoring.registry.conftest import CARD_ID, late_bills_card
from xinyong.cli import app, main
from xinyong.errors import XinyongError
from xinyong.scoring.scorecard import save_scorecard

runner = CliRunner()


def run(*args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    run("init", "--home", str(home))
    run("simulate", "population", "--persons", "150", "--orgs", "15", "--home", str(home))
    return home


def test_list_show_promote_score_round_trip(home: Path) -> None:
    h = ("--home", str(home))
    listed = run("model", "list", *h)
    assert {(m["model"], m["subject_kind"], m["status"]) for m in listed} == {
        ("rongcheng-like", "organisation", "draft"), ("rongcheng-like", "person", "draft"),
        ("sesame-like", "organisation", "champion"), ("sesame-like", "person", "champion")}
    assert all(m["family"] == "rulebook" and m["provider"] == "xinyong" for m in listed)

    shown = run("model", "show", "sesame-like", *h)
    assert shown["factors"] == {"credit_history": 0.35, "fulfilment_capacity": 0.25,
                                "behaviour_preference": 0.2, "identity_traits": 0.15,
                                "relationships": 0.05}
    assert [r["artifact_matches"] for r in shown["registrations"]] == [True, True]

    only_champion = run("score", "--as-of", "2026-11-01", *h)
    assert [r["model"] for r in only_champion["runs"]] == ["sesame-like"]

    changed = run("model", "promote", "rongcheng-like", "--to", "shadow", "--kind", "person", *h)
    assert [(c["model"], c["subject_kind"], c["status"]) for c in changed] == [
        ("rongcheng-like", "person", "shadow")]
    scored = run("score", "--as-of", "2026-11-02", *h)
    assert scored["as_of"] == "2026-11-02"
    assert [(r["model"], r["status"]) for r in scored["runs"]] == [
        ("sesame-like", {"person": "champion", "organisation": "champion"}),
        ("rongcheng-like", {"person": "shadow"})]
    assert all(r["subjects"] == 165 for r in scored["runs"])

    named = run("score", "--model", "rongcheng-like", "--as-of", "2026-11-03", *h)
    assert named["model"] == "rongcheng-like" and named["as_of"] == "2026-11-03"


def test_a_shadow_scorecard_is_scored_by_every_run(home: Path) -> None:
    h = ("--home", str(home))
    save_scorecard(late_bills_card(), home)
    run("model", "register", CARD_ID, "--kind", "person", *h)
    run("model", "promote", CARD_ID, "--to", "shadow", *h)
    scored = run("score", "--as-of", "2026-11-01", *h)
    runs = {r["model"]: r for r in scored["runs"]}
    assert set(runs) == {"sesame-like", CARD_ID}
    assert runs[CARD_ID]["status"] == {"person": "shadow"}
    assert runs[CARD_ID]["subjects"] == 150  # its feature view scores people only


def test_register_and_show_a_scorecard(home: Path) -> None:
    h = ("--home", str(home))
    save_scorecard(late_bills_card(), home)
    listed = {(m["model"], m["status"]) for m in run("model", "list", *h)}
    assert (CARD_ID, "unregistered") in listed
    registered = run("model", "register", CARD_ID, "--kind", "person", "--provider",
                     "Acme Scoring Ltd", *h)
    assert [(r["status"], r["provider"], r["family"]) for r in registered] == [
        ("draft", "Acme Scoring Ltd", "scorecard")]
    shown = run("model", "show", CARD_ID, *h)
    assert shown["characteristics"] == 1 and shown["metrics"]["auc"] == 0.7
    assert shown["provider"] == "Acme Scoring Ltd"


def test_list_works_before_init(tmp_path: Path) -> None:
    listed = run("model", "list", "--home", str(tmp_path / "nowhere"))
    assert {m["model"] for m in listed} == {"rongcheng-like", "sesame-like"}
    assert {m["status"] for m in listed} == {"unregistered"}


@pytest.mark.parametrize(("args", "code"), [
    (["model", "retire", "sesame-like"], "MODEL_IS_CHAMPION"),
    (["model", "promote", "rongcheng-like", "--to", "champion"], "PROMOTION_ORDER"),
    (["model", "promote", "nope", "--to", "shadow"], "MODEL_NOT_REGISTERED"),
    (["model", "show", "nope"], "UNKNOWN_MODEL"),
])
def test_refusals_exit_2_with_their_code_and_no_traceback(
    home: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: str,
) -> None:
    with pytest.raises(SystemExit) as info:
        main([*args, "--home", str(home)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert code in err and "Traceback" not in err


def test_one_subject_is_scored_with_the_champion_of_its_kind(world: World) -> None:
    world.store.close()  # the CLI opens the store itself
    h = ("--home", str(world.home))
    day = ("--as-of", AS_OF.isoformat())
    assert run("score", "--subject", world.low, *day, *h)["tier"] == "poor"  # sesame-like
    run("model", "promote", "rongcheng-like", "--to", "shadow", "--kind", "person", *h)
    run("model", "promote", "rongcheng-like", "--to", "champion", "--kind", "person", *h)
    assert run("score", "--subject", world.low, *day, *h)["tier"] in {"A", "B", "C", "D"}
    assert run("score", "--subject", world.low, "--model", "sesame-like", *day, *h)[
        "tier"] == "poor"
    run("model", "register", CARD_ID, "--kind", "person", *h)
    run("model", "promote", CARD_ID, "--to", "shadow", *h)
    run("model", "promote", CARD_ID, "--to", "champion", *h)
    result = runner.invoke(app, ["score", "--subject", world.low, *day, *h, "--json"])
    assert result.exit_code != 0
    assert isinstance(result.exception, XinyongError)
    assert result.exception.code == "ONLINE_RULEBOOK_ONLY"
