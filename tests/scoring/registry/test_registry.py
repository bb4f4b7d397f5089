"""The registry: shipped models on a fresh store, registration, promotion, retirement, audit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.scoring.registry.conftest import CARD_ID, file_fitted_card, late_bills_card
from xinyong.errors import XinyongError
from xinyong.scoring.registry import (
    champion,
    describe_artifact,
    models_to_score,
    promote,
    register_fitted,
    register_model,
    registered_models,
    registrations,
    retire,
    shadows,
)
from xinyong.scoring.scorecard import save_scorecard
from xinyong.store import Store


def statuses(store: Store) -> dict[tuple[str, str], str]:
    return {(r.model_id, r.subject_kind): r.status for r in registered_models(store.con)}


def audit(store: Store) -> list[tuple[str, dict[str, object]]]:
    rows = store.con.execute("SELECT action, payload FROM audit_log ORDER BY seq").fetchall()
    return [(a, json.loads(p)["details"]) for a, p in rows]


def test_a_fresh_store_has_the_shipped_rulebooks(fresh: Store) -> None:
    assert statuses(fresh) == {
        ("rongcheng-like", "organisation"): "draft", ("rongcheng-like", "person"): "draft",
        ("sesame-like", "organisation"): "champion", ("sesame-like", "person"): "champion"}
    assert champion(fresh.con, "person") == champion(fresh.con, "organisation") == "sesame-like"
    assert shadows(fresh.con, "person") == []
    assert models_to_score(fresh.con) == ["sesame-like"]
    for reg in registered_models(fresh.con):
        assert reg.family == "rulebook" and reg.provider == "xinyong"
        assert reg.version == "1.0.0" and reg.registered_by == "system"
        assert reg.artifact_sha256 == describe_artifact(reg.model_id).sha256


def test_promotion_goes_through_shadow_and_demotes_the_champion_to_shadow(fresh: Store) -> None:
    with pytest.raises(XinyongError) as caught:
        promote(fresh, "rongcheng-like", "champion", subject_kind="person")
    assert caught.value.code == "PROMOTION_ORDER"
    promote(fresh, "rongcheng-like", "shadow", subject_kind="person")
    assert shadows(fresh.con, "person") == ["rongcheng-like"]
    assert shadows(fresh.con, "organisation") == []
    changed = promote(fresh, "rongcheng-like", "champion", subject_kind="person")
    assert {(r.model_id, r.status) for r in changed} == {("sesame-like", "shadow"),
                                                         ("rongcheng-like", "champion")}
    assert champion(fresh.con, "person") == "rongcheng-like"
    assert champion(fresh.con, "organisation") == "sesame-like"
    assert shadows(fresh.con, "person") == ["sesame-like"]
    assert models_to_score(fresh.con) == ["rongcheng-like", "sesame-like"]


def test_a_champion_cannot_be_retired_until_another_is_promoted(fresh: Store) -> None:
    with pytest.raises(XinyongError) as caught:
        retire(fresh, "sesame-like", subject_kind="person")
    assert caught.value.code == "MODEL_IS_CHAMPION"
    assert "promote another model" in caught.value.message
    promote(fresh, "rongcheng-like", "shadow", subject_kind="person")
    promote(fresh, "rongcheng-like", "champion", subject_kind="person")
    retired = retire(fresh, "sesame-like", subject_kind="person")
    assert [(r.status, r.retired_at is not None) for r in retired] == [("retired", True)]
    with pytest.raises(XinyongError) as again:
        retire(fresh, "sesame-like", subject_kind="person")
    assert again.value.code == "ALREADY_IN_STATUS"
    promote(fresh, "sesame-like", "shadow", subject_kind="person")  # back from retirement
    assert statuses(fresh)[("sesame-like", "person")] == "shadow"


def test_retiring_without_a_kind_refuses_if_any_kind_is_champion(fresh: Store) -> None:
    before = statuses(fresh)
    with pytest.raises(XinyongError):
        retire(fresh, "sesame-like")
    assert statuses(fresh) == before  # nothing half-done
    assert [r.status for r in retire(fresh, "rongcheng-like")] == ["retired", "retired"]


def test_every_change_is_audited_with_its_details(fresh: Store) -> None:
    promote(fresh, "rongcheng-like", "shadow", subject_kind="person")
    promote(fresh, "rongcheng-like", "champion", subject_kind="person")
    retire(fresh, "sesame-like", subject_kind="person")
    entries = audit(fresh)
    assert [a for a, _ in entries] == ["model.promote", "model.promote", "model.retire"]
    assert entries[1][1] == {"model": "rongcheng-like", "subject_kind": "person",
                             "version": "1.0.0", "from": "shadow", "to": "champion",
                             "demoted": "sesame-like"}
    assert entries[2][1]["from"] == "shadow"


def test_a_refused_change_writes_no_audit_entry(fresh: Store) -> None:
    with pytest.raises(XinyongError):
        promote(fresh, "sesame-like", "champion")
    with pytest.raises(XinyongError):
        promote(fresh, "sesame-like", "retired")
    assert audit(fresh) == []


def test_a_saved_scorecard_is_registered_as_a_draft(carded: Store) -> None:
    reg = register_model(carded, CARD_ID, subject_kind="person", provider="Acme Scoring Ltd")
    assert (reg.family, reg.status, reg.provider, reg.subject_kind) == (
        "scorecard", "draft", "Acme Scoring Ltd", "person")
    assert reg.artifact_sha256 == describe_artifact(CARD_ID, carded.home).sha256
    assert audit(carded)[-1] == ("model.register", {
        "model": CARD_ID, "subject_kind": "person", "version": reg.version,
        "family": "scorecard", "provider": "Acme Scoring Ltd",
        "artifact_sha256": reg.artifact_sha256})
    with pytest.raises(XinyongError) as caught:
        register_model(carded, CARD_ID, subject_kind="person")
    assert caught.value.code == "ALREADY_REGISTERED"
    assert registrations(carded.con, CARD_ID) == [reg]


def test_a_changed_artifact_is_re_registered_unless_in_use(carded: Store) -> None:
    register_model(carded, CARD_ID, subject_kind="person")
    path = carded.home / "models" / f"{CARD_ID}.json"
    path.write_text(path.read_text("utf-8").replace('"auc": 0.7', '"auc": 0.71'), "utf-8")
    again = register_model(carded, CARD_ID, subject_kind="person")
    assert again.status == "draft"
    promote(carded, CARD_ID, "shadow")
    path.write_text(path.read_text("utf-8").replace('"auc": 0.71', '"auc": 0.72'), "utf-8")
    with pytest.raises(XinyongError) as caught:
        register_model(carded, CARD_ID, subject_kind="person")
    assert caught.value.code == "MODEL_IN_USE"


@pytest.mark.parametrize(("model_id", "kind", "code"), [
    ("no-such-model", "person", "UNKNOWN_MODEL"),
    (CARD_ID, "household", "BAD_SUBJECT_KIND"),
])
def test_registration_errors_name_what_is_wrong(carded: Store, model_id: str, kind: str,
                                                code: str) -> None:
    with pytest.raises(XinyongError) as caught:
        register_model(carded, model_id, subject_kind=kind)
    assert caught.value.code == code


def test_an_unregistered_model_cannot_be_promoted(carded: Store) -> None:
    with pytest.raises(XinyongError) as caught:
        promote(carded, CARD_ID, "shadow")
    assert caught.value.code == "MODEL_NOT_REGISTERED"
    assert f"xinyong model register {CARD_ID}" in caught.value.message


def test_the_table_itself_refuses_a_second_champion_for_a_kind(fresh: Store) -> None:
    import duckdb

    with pytest.raises(duckdb.ConstraintException):
        fresh.con.execute("INSERT INTO model_champions VALUES ('person', 'rongcheng-like', "
                          "current_timestamp)")


def test_a_fitted_scorecard_is_registered_when_the_home_has_a_store(carded: Store,
                                                                    tmp_path: Path) -> None:
    home = carded.home
    carded.close()
    first = register_fitted(home, CARD_ID)
    assert first is not None and first.status == "draft"
    assert register_fitted(home, CARD_ID) == first  # a re-fit, unchanged
    save_scorecard(late_bills_card(), tmp_path / "bare")
    assert register_fitted(tmp_path / "bare", CARD_ID) is None  # no store: nothing to register


def test_a_scorecard_that_cannot_score_the_store_is_never_promoted(fresh: Store) -> None:
    save_scorecard(file_fitted_card(), fresh.home)
    register_model(fresh, "from-a-file", subject_kind="person")  # a draft, for the record
    with pytest.raises(XinyongError) as caught:
        promote(fresh, "from-a-file", "shadow")
    assert caught.value.code == "CANNOT_SCORE_STORE"
    assert "--features" in caught.value.message


def test_a_changed_artifact_is_promoted_only_after_registering_it_again(carded: Store) -> None:
    register_model(carded, CARD_ID, subject_kind="person")
    path = carded.home / "models" / f"{CARD_ID}.json"
    path.write_text(path.read_text("utf-8").replace('"auc": 0.7', '"auc": 0.71'), "utf-8")
    with pytest.raises(XinyongError) as caught:
        promote(carded, CARD_ID, "shadow")
    assert caught.value.code == "ARTIFACT_CHANGED"
    register_model(carded, CARD_ID, subject_kind="person")
    assert [r.status for r in promote(carded, CARD_ID, "shadow")] == ["shadow"]


def test_a_scorecard_is_registered_for_the_kind_of_its_feature_view(carded: Store) -> None:
    with pytest.raises(XinyongError) as caught:
        register_model(carded, CARD_ID, subject_kind="organisation")
    assert caught.value.code == "KIND_NOT_SCORED"


def test_the_kind_defaults_to_the_one_the_model_scores(carded: Store) -> None:
    assert register_model(carded, CARD_ID).subject_kind == "person"  # its view's kind
    with pytest.raises(XinyongError) as caught:
        register_model(carded, "rongcheng-like")  # scores both kinds: say which
    assert caught.value.code == "KIND_REQUIRED"
