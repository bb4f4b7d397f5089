"""The subject report: every section filled from a small store, free (never an inquiry),
audited, and its HTML page escaped and self-contained."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tests.decisions.conftest import _good_org, _good_person, batch
from tests.ingest.test_ingest import write_csv
from xinyong.catalog.identifiers import generate_prc_resident_ids, generate_usccs
from xinyong.cli import app
from xinyong.decisions import add_listing, grant_consent, register_party
from xinyong.decisions._decide import request_score
from xinyong.errors import XinyongError
from xinyong.governance._disputes import answer_dispute, open_dispute
from xinyong.governance._identity import erase_subject, record_identity
from xinyong.governance._report import subject_report
from xinyong.governance._report_html import render_html
from xinyong.ingest import ingest_file
from xinyong.scoring.engine import score_population
from xinyong.scoring.rulebook import load_rulebook
from xinyong.store import Store

AS_OF = date(2026, 11, 1)
NOW = datetime(2026, 11, 2, 9, 0)
EVIL = "<script>alert('x')</script>"
ORG = generate_usccs(np.random.default_rng(4), 1)[0]
SECTIONS = {"report", "subject", "identity", "events", "corrections", "lists", "scores",
            "inquiries", "decisions", "consents", "disputes", "rewards", "notices"}
runner = CliRunner()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Store, str]]:
    """One person with a history (one event from a furnisher with a hostile name, one voided),
    a score run, a consent and an inquiry, a court listing, a dispute and personal fields."""
    (person,) = generate_prc_resident_ids(np.random.default_rng(3), 1)
    rows = [{"subject_id": person, "subject_kind": "person", **r} for r in _good_person("a")]
    furnishers = ["test-furnisher"] * (len(rows) - 1) + [EVIL]
    rows += [{"subject_id": ORG, "subject_kind": "organisation", **r} for r in _good_org("o")]
    furnishers += ["test-furnisher"] * (len(rows) - len(furnishers))
    table = batch(rows)
    table = table.set_column(0, "furnisher", [furnishers])
    store = Store.init(tmp_path / "home")
    store.append_events(table)
    void = write_csv(tmp_path / "void.csv", [{
        "event_id": "v1", "subject_kind": "person", "subject_id": person,
        "event_type": "correction.void", "occurred_at": "2026-10-01",
        "attributes": json.dumps({"target_event_id": "a-9"})}])
    assert ingest_file(store, void, furnisher="test-furnisher").corrections == 1
    score_population(store, load_rulebook("sesame-like"), AS_OF)
    register_party(store, "acme-bank", "Acme Bank", ["extension_of_credit"], now=NOW)
    grant_consent(store, person, "acme-bank", "extension_of_credit", days=30, now=NOW)
    request_score(store, party_id="acme-bank", subject_id=person, purpose="extension_of_credit",
                  now=NOW)
    key = store.find_subject(person)[0]
    add_listing(store, "court-dishonest-debtors", person, grounds="able_but_refuses_to_perform",
                legal_basis="Civil Procedure Law art. 262", authority="Court <b>Xicheng</b>",
                now=NOW)
    open_dispute(store, key, event="test-furnisher:a-5", reason="not mine",
                 statement="I never had this <i>account</i>", now=NOW)
    record_identity(store, key, name="Li <Mei>", birth_date=date(1990, 5, 17),
                    address="8 Jinrong Street & Co", now=NOW)
    yield store, person
    store.close()


def test_every_section_is_filled(world: tuple[Store, str]) -> None:
    store, person = world
    key = store.find_subject(person)[0]
    report = subject_report(store, key, now=NOW)
    assert set(report) == SECTIONS
    assert report["identity"] == {"status": "recorded", "name": "Li <Mei>",
                                  "birth_date": "1990-05-17", "address": "8 Jinrong Street & Co",
                                  "recorded_at": NOW.isoformat()}
    assert report["subject"]["participation"] == "enrolled"
    events = {e["event_id"]: e for e in report["events"]}
    # The furnished history, and the hard inquiry the platform logged.
    assert len(events) == len(_good_person("a")) + 1
    assert [e["event_type"] for e in report["events"]].count("inquiry.hard") == 1
    assert events["a-9"]["status"] == "voided by v1"
    assert events["a-8"]["status"] == "counted" and events["a-8"]["correction"] is None
    assert {"test-furnisher", EVIL} <= {e["furnisher"] for e in report["events"]}
    assert events["a-3"]["attributes"] == {"education_level": "master"}
    assert events["a-5"]["disputed"]["status"] == "open"
    assert events["a-5"]["disputed"]["statement"] == "I never had this <i>account</i>"
    assert [e for e in report["events"] if e["disputed"]] == [events["a-5"]]
    assert [(c["event_id"], c["kind"], c["target_event_id"]) for c in report["corrections"]] == [
        ("v1", "correction.void", "a-9")]
    (entry,) = report["lists"]
    assert (entry["list_id"], entry["status"]) == ("court-dishonest-debtors", "pending")
    (run,) = report["scores"]["sesame-like"]
    assert run["as_of"] == AS_OF.isoformat() and run["score"] is not None and run["tier"]
    assert all({"code", "points"} == set(r) for r in run["reasons"])
    (inquiry,) = report["inquiries"]
    assert (inquiry["party_id"], inquiry["purpose"], inquiry["result"]) == (
        "acme-bank", "extension_of_credit", "disclosed")
    (consent,) = report["consents"]
    assert (consent["party_id"], consent["status"]) == ("acme-bank", "active")
    (dispute,) = report["disputes"]
    assert dispute["record"] == "test-furnisher:a-5"
    assert report["rewards"]["score"] == run["score"]
    assert report["rewards"]["unlocked"] or report["rewards"]["locked"]
    assert [n["kind"] for n in report["notices"]] == ["listing"]
    json.dumps(report)  # the export is plain JSON


def test_a_record_deleted_after_a_dispute_shows_so(world: tuple[Store, str]) -> None:
    store, person = world
    key = store.find_subject(person)[0]
    (dispute,) = subject_report(store, key, now=NOW)["disputes"]
    answer_dispute(store, dispute["dispute_id"], furnisher="test-furnisher", answer="deleted",
                   now=NOW)
    events = {e["event_id"]: e for e in subject_report(store, key, now=NOW)["events"]}
    assert events["a-5"]["status"] == f"deleted after dispute #{dispute['dispute_id']}"
    assert events["a-5"]["disputed"]["status"] == "deleted"


def test_an_organisation_has_no_personal_fields(world: tuple[Store, str]) -> None:
    store, _ = world
    key = store.find_subject(ORG)[0]
    report = subject_report(store, key, now=NOW)
    assert report["subject"]["kind"] == "organisation"
    assert report["identity"]["status"] == "not kept"
    assert report["scores"]["sesame-like"][0]["score"] is not None
    for attempt, code in [(lambda: record_identity(store, key, name="Acme", now=NOW),
                           "IDENTITY_PERSON_ONLY"),
                          (lambda: erase_subject(store, key, now=NOW), "ERASURE_PERSON_ONLY")]:
        with pytest.raises(XinyongError) as caught:
            attempt()
        assert caught.value.code == code


def test_the_report_is_free_and_audited(world: tuple[Store, str]) -> None:
    store, person = world
    key = store.find_subject(person)[0]

    def counts() -> tuple[int, ...]:
        return tuple(store.query(f"SELECT COUNT(*) FROM {t}")[0][0]
                     for t in ("inquiries", "events", "decisions"))

    before = counts()
    subject_report(store, key, now=NOW)
    subject_report(store, key, now=NOW)
    assert counts() == before
    assert store.query("SELECT actor, subject_key FROM audit_log WHERE action = 'report.view'"
                       ) == [("subject", key), ("subject", key)]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        assert not any(name.startswith("on") or name in ("src", "href") for name, _ in attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_escaped_and_self_contained(world: tuple[Store, str]) -> None:
    store, person = world
    page = render_html(subject_report(store, store.find_subject(person)[0], now=NOW))
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;b&gt;Xicheng&lt;/b&gt;" in page and "Li &lt;Mei&gt;" in page
    assert "8 Jinrong Street &amp; Co" in page
    parser = _Tags()
    parser.feed(page)
    assert parser.tags <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p",
                           "section", "table", "thead", "tbody", "tr", "th", "td"}
    text = "".join(parser.text)
    assert EVIL in text and "I never had this <i>account</i>" in text  # shown, as text
    assert 'class="disputed"' in page


def test_cli_report_formats(world: tuple[Store, str], tmp_path: Path) -> None:
    store, person = world
    home = ["--home", str(store.home)]
    store.close()
    page = tmp_path / "report.html"
    result = runner.invoke(app, ["report", person, "--html", str(page), *home])
    assert result.exit_code == 0, result.output
    assert page.read_text("utf-8").startswith("<!DOCTYPE html>")
    result = runner.invoke(app, ["report", person, *home, "--json"])
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.stdout)) == SECTIONS
    result = runner.invoke(app, ["report", person, *home], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Score history" in result.stdout and EVIL in result.stdout
    result = runner.invoke(app, ["report", person, "--json", "--html", str(page), *home])
    assert isinstance(result.exception, XinyongError)
    assert result.exception.code == "REPORT_FORMAT"
