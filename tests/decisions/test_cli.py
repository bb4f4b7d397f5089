"""The decisions commands end to end, on a copy of the small world."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tests.decisions.conftest import Templates, World, open_world
from xinyong.decisions.cli import register
from xinyong.errors import XinyongError

runner = CliRunner()
app = typer.Typer()
register(app)


@pytest.fixture
def cli_world(templates: Templates,
              tmp_path: Path) -> Iterator[World]:
    world = open_world(templates, tmp_path)
    world.store.close()  # the commands open the store themselves
    yield world


def invoke(world: World, *args: str) -> typer.testing.Result:
    return runner.invoke(app, [*args, "--home", str(world.home)])


def test_consent_to_decision(cli_world: World) -> None:
    w = cli_world
    assert invoke(w, "party", "add", "acme-bank", "--name", "Acme Bank", "--purpose",
                  "extension_of_credit").exit_code == 0
    refused = invoke(w, "decide", "pay-later", w.low, "--party", "acme-bank", "--purpose",
                     "extension_of_credit", "--json")
    assert isinstance(refused.exception, XinyongError)
    assert refused.exception.code == "NO_CONSENT"
    granted = invoke(w, "consent", "grant", w.low, "--party", "acme-bank", "--purpose",
                     "extension_of_credit", "--days", "30", "--json")
    assert granted.exit_code == 0, granted.output
    result = invoke(w, "decide", "pay-later", w.low, "--party", "acme-bank", "--purpose",
                    "extension_of_credit", "--json")
    assert result.exit_code == 0, result.output
    decision = json.loads(result.stdout)
    assert decision["outcome"] == "decline"
    assert decision["adverse_action_notice"]["key_factors"][0]["code"] == "BILL_LATE"
    history = json.loads(invoke(w, "inquiry", "history", w.low, "--json").stdout)
    assert [(h["result"], h["refusal_code"]) for h in history] == [
        ("refused", "NO_CONSENT"), ("decline", None)]
    review = invoke(w, "review", "request", str(decision["decision_id"]), "--statement",
                    "Wrong records.")
    assert review.exit_code == 0, review.output
    notices = json.loads(invoke(w, "notices", w.low, "--json").stdout)
    assert [n["kind"] for n in notices] == ["adverse_action"]


def test_attest_verify_detects_tampering(cli_world: World, tmp_path: Path) -> None:
    w = cli_world
    path = tmp_path / "attestation.json"
    assert invoke(w, "attest", "mint", w.high, "--out", str(path)).exit_code == 0
    ok = invoke(w, "attest", "verify", str(path), "--subject", w.high)
    assert ok.exit_code == 0, ok.output
    key = tmp_path / "platform.pub"
    key.write_text(runner.invoke(app, ["attest", "public-key", "--home", str(w.home)]).stdout)
    offline = runner.invoke(app, ["attest", "verify", str(path), "--public-key", str(key),
                                  "--home", str(tmp_path / "no-home")])
    assert offline.exit_code == 0, offline.output
    document = json.loads(path.read_text())
    document["payload"]["score"] = 950.0
    path.write_text(json.dumps(document))
    bad = runner.invoke(app, ["attest", "verify", str(path), "--public-key", str(key),
                              "--json", "--home", str(tmp_path / "no-home")])
    assert bad.exit_code == 1
    assert json.loads(bad.stdout)["problems"][0].startswith("BAD_SIGNATURE")


def test_lists_freeze_rewards_and_products(cli_world: World) -> None:
    w = cli_world
    added = invoke(w, "lists", "add", "court-dishonest-debtors", w.org_listed, "--grounds",
                   "able_but_refuses_to_perform", "--legal-basis", "Civil Procedure Law art. 262",
                   "--authority", "Chengdu Intermediate People's Court", "--json")
    assert added.exit_code == 0, added.output
    entries = json.loads(invoke(w, "lists", "entries", w.org_listed, "--json").stdout)
    assert entries["entries"][0]["status"] == "pending"
    assert invoke(w, "lists", "publish", "court-dishonest-debtors").exit_code == 0
    assert invoke(w, "freeze", "place", w.high).exit_code == 0
    status = json.loads(invoke(w, "freeze", "status", w.high, "--json").stdout)
    assert status["frozen"] is True
    rewards = json.loads(invoke(w, "rewards", w.high, "--json").stdout)
    assert len(rewards["unlocked"]) == 4
    shown = runner.invoke(app, ["product", "show", "mortgage-prequal", "--json"])
    assert json.loads(shown.stdout)["product"]["hit_policy"] == "first"


def test_subject_text_is_printed_verbatim_never_as_markup(tmp_path: Path) -> None:
    from rich.console import Console

    from xinyong.decisions import cli as decisions_cli

    console = Console(record=True, width=200)
    decisions_cli.out, saved = console, decisions_cli.out
    try:
        decisions_cli._print_disputes([{"description": "bill.paid_late", "record": "x:1",
                                        "status": "open", "statement": "see [/bold] [red]"}])
    finally:
        decisions_cli.out = saved
    assert "see [/bold] [red]" in console.export_text()
