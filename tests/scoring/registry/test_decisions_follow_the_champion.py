"""Decisions answer with the champion when a query names no model; named models still answer."""

from __future__ import annotations

import pytest

from tests.decisions.conftest import AS_OF, NOW, World
from tests.scoring.registry.conftest import CARD_ID, FEATURE, LATE_SENTENCE
from xinyong.decisions import decide, grant_consent, parse_product, register_party, request_score
from xinyong.errors import XinyongError
from xinyong.scoring.engine import score_population
from xinyong.scoring.models import score_model
from xinyong.scoring.registry import model_face, promote, register_model
from xinyong.scoring.rulebook import load_rulebook

CREDIT = "extension_of_credit"


@pytest.fixture
def bank(world: World) -> World:
    register_party(world.store, "acme-bank", "Acme Bank", [CREDIT], now=NOW)
    for subject in (world.high, world.low):
        grant_consent(world.store, subject, "acme-bank", CREDIT, days=60, now=NOW)
    return world


def ask(world: World, subject_id: str, model: str | None = None) -> tuple[str, object, list[
        tuple[str, str, float]]]:
    report = request_score(world.store, party_id="acme-bank", subject_id=subject_id,
                           purpose=CREDIT, kind="soft", model=model, now=NOW)
    return (report.score.model_id, report.scale,
            [(r.code, r.sentence, r.points) for r in report.reasons])


def crown(world: World, model_id: str, kind: str = "person") -> None:
    promote(world.store, model_id, "shadow", subject_kind=kind)
    promote(world.store, model_id, "champion", subject_kind=kind)


def product(model: str | None = None, when: dict[str, object] | None = None) -> object:
    info: dict[str, object] = {
        # the id of a product the profile lets use a score for credit; a variant of its file
        "id": "pay-later", "version": "test", "name": "Small loan", "inquiry": "soft",
        "hit_policy": "first", "default": "approve", "default_reason": "Nothing declined."}
    if model is not None:
        info["model"] = model
    return parse_product({"product": info, "rows": [
        {"id": "too-low", "when": when or {"score_below": 700}, "outcome": "decline",
         "reason": "The score is below 700."}]})


def test_a_query_that_names_no_model_gets_the_champion(bank: World) -> None:
    model, scale, _ = ask(bank, bank.low)
    assert (model, scale) == ("sesame-like", (350.0, 950.0))
    crown(bank, "rongcheng-like")
    score_population(bank.store, load_rulebook("rongcheng-like"), AS_OF)
    model, scale, reasons = ask(bank, bank.low)
    assert (model, scale) == ("rongcheng-like", (0.0, 1200.0))
    sentences = load_rulebook("rongcheng-like").reason_sentences()
    assert reasons and all(sentence == sentences[code] for code, sentence, _ in reasons)
    assert ask(bank, bank.low, "sesame-like")[0] == "sesame-like"  # a named model still answers


def test_a_new_champion_without_a_batch_run_refuses_with_the_fix(bank: World) -> None:
    crown(bank, "rongcheng-like")
    with pytest.raises(XinyongError) as caught:
        ask(bank, bank.low)
    assert caught.value.code == "NO_SCORE_RUN"
    assert "xinyong score --model rongcheng-like" in caught.value.message


def test_products_that_name_a_model_keep_it(bank: World) -> None:
    crown(bank, "rongcheng-like")
    score_population(bank.store, load_rulebook("rongcheng-like"), AS_OF)
    decision = decide(bank.store, party_id="acme-bank", subject_id=bank.low,
                      product="pay-later", purpose=CREDIT, now=NOW)
    assert decision.score.model_id == "sesame-like"
    unnamed = decide(bank.store, party_id="acme-bank", subject_id=bank.low,
                     product=product(when={"score_below": 1000}), purpose=CREDIT, now=NOW)
    assert unnamed.score.model_id == "rongcheng-like"


def test_a_scorecard_champion_explains_with_its_bin_sentences(bank: World) -> None:
    register_model(bank.store, CARD_ID, subject_kind="person", provider="Acme Scoring Ltd")
    crown(bank, CARD_ID)
    score_model(bank.store, CARD_ID, AS_OF)  # the scorecard's own batch run on the store
    model, scale, reasons = ask(bank, bank.low)  # six late bills in the last 12 months
    assert (model, scale) == (CARD_ID, (350.0, 950.0))
    assert reasons == [(FEATURE, LATE_SENTENCE, 40.0)]
    assert ask(bank, bank.high)[2] == []  # nothing late: no points lost, no reason


def test_bins_that_lose_the_same_points_share_a_sentence_true_of_either(bank: World) -> None:
    face = model_face(CARD_ID, bank.home)  # missing and special bins both lose 25 points
    assert face.sentence(FEATURE, 40.0) == LATE_SENTENCE
    assert face.sentence(FEATURE, 25.0).startswith(f"{FEATURE} is not in its best-scoring group")
    assert face.tiers == ("poor", "fair", "good", "very_good", "excellent")


def test_a_scorecard_champion_gives_a_complete_adverse_action_notice(bank: World) -> None:
    register_model(bank.store, CARD_ID, subject_kind="person")
    crown(bank, CARD_ID)
    score_model(bank.store, CARD_ID, AS_OF)
    decision = decide(bank.store, party_id="acme-bank", subject_id=bank.low, product=product(),
                      purpose=CREDIT, now=NOW)
    assert decision.outcome == "decline"
    notice = decision.notice
    assert notice is not None
    assert (notice.model, notice.scale, notice.score) == (CARD_ID, (350.0, 950.0), 580.0)
    assert notice.tier == decision.score.tier == "fair"
    assert [(k.code, k.sentence, k.points) for k in notice.key_factors] == [
        (FEATURE, LATE_SENTENCE, 40.0)]
    assert notice.decisive_rows[0]["row"] == "too-low"
    assert str(decision.decision_id) in notice.human_review


def test_a_product_asking_for_tiers_the_champion_lacks_is_refused(bank: World) -> None:
    crown(bank, "rongcheng-like")
    score_population(bank.store, load_rulebook("rongcheng-like"), AS_OF)
    with pytest.raises(XinyongError) as caught:
        decide(bank.store, party_id="acme-bank", subject_id=bank.low,
               product=product(when={"tier_in": ["poor"]}), purpose=CREDIT, now=NOW)
    assert caught.value.code == "PRODUCT_MODEL_MISMATCH"
    assert "name the product's model" in caught.value.message


def test_the_subjects_explain_follows_the_champion_too(bank: World) -> None:
    import json

    from typer.testing import CliRunner

    from xinyong.cli import app

    def explained() -> dict[str, object]:
        result = CliRunner().invoke(app, ["explain", bank.low, "--home", str(bank.home),
                                          "--json"])
        assert result.exit_code == 0, result.output
        return dict(json.loads(result.stdout))

    home_store = bank.store
    home_store.close()
    assert explained()["model_id"] == "sesame-like"
    from xinyong.store import Store

    with Store.open(bank.home) as store:
        register_model(store, CARD_ID, subject_kind="person", provider="Acme Scoring Ltd")
        promote(store, CARD_ID, "shadow", subject_kind="person")
        promote(store, CARD_ID, "champion", subject_kind="person")
        score_model(store, CARD_ID, AS_OF)
    card = explained()  # what a lender is answered with is what the subject is shown
    assert card["model_id"] == CARD_ID and card["as_of"] == AS_OF.isoformat()
    assert [r["code"] for r in card["reasons"]] == [FEATURE]  # type: ignore[union-attr,index]


def test_a_candidate_scored_under_a_registered_id_answers_nobody(bank: World, tmp_path:
                                                                   object) -> None:
    from datetime import timedelta
    from pathlib import Path

    text = (Path(__file__).parents[3] / "rulebooks" / "sesame-like.toml").read_text("utf-8")
    candidate = Path(str(tmp_path)) / "candidate.toml"
    candidate.write_text(text.replace('version = "1.0.0"', 'version = "2.0.0-candidate"', 1),
                         "utf-8")
    assert load_rulebook(str(candidate)).version == "2.0.0-candidate"
    score_model(bank.store, str(candidate), AS_OF + timedelta(days=1))  # newer, same id
    report = request_score(bank.store, party_id="acme-bank", subject_id=bank.low,
                           purpose=CREDIT, kind="soft", now=NOW + timedelta(days=2))
    assert (report.score.model_id, report.score.model_version) == ("sesame-like", "1.0.0")
