"""Feature views load from TOML, and refuse what the catalogue or the red lines do not allow."""

from __future__ import annotations

from pathlib import Path

import pytest

from xinyong.catalog import Factor
from xinyong.errors import XinyongError
from xinyong.scoring.features import (
    FeatureViewError,
    load_feature_view,
    parse_feature_view,
    shipped_feature_views,
)

HEAD = '[view]\nname = "tv"\n\n'


def view_text(body: str) -> str:
    return HEAD + "[features.f]\n" + body


def refused(body: str, *, whole: bool = False) -> XinyongError:
    with pytest.raises(FeatureViewError) as caught:
        parse_feature_view(body if whole else view_text(body))
    return caught.value


def test_the_shipped_view_loads_with_a_factor_per_feature() -> None:
    assert "bureau-basic" in shipped_feature_views()
    view = load_feature_view("bureau-basic")
    assert view.name == "bureau-basic" and view.applies_to == "person"
    assert {f.factor for f in view.features} >= {Factor.CREDIT_HISTORY, Factor.FULFILMENT_CAPACITY}
    assert {f.spec.aggregate for f in view.features} >= {
        "count", "share", "months_since", "latest", "sum", "max"}
    assert view.feature("education_level").kind == "categorical"
    assert len(view.sha256) == 64


def test_a_view_loads_from_a_path_and_its_hash_follows_its_text(tmp_path: Path) -> None:
    text = view_text('factor = "credit_history"\naggregate = "count"\n'
                     'events = ["bill.paid_late"]\ndescription = "late bills"\n')
    path = tmp_path / "mine.toml"
    path.write_text(text, "utf-8")
    a = load_feature_view(path)
    path.write_text(text + "# a comment\n", "utf-8")
    assert load_feature_view(str(path)).sha256 != a.sha256


def test_an_unknown_shipped_name_or_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FeatureViewError) as caught:
        load_feature_view("no-such-view")
    assert caught.value.code == "UNKNOWN_FEATURE_VIEW" and "bureau-basic" in caught.value.message
    with pytest.raises(FeatureViewError) as caught:
        load_feature_view(tmp_path / "missing.toml")
    assert caught.value.code == "UNKNOWN_FEATURE_VIEW"


def test_an_unknown_event_type_is_refused_naming_the_key() -> None:
    error = refused('factor = "credit_history"\naggregate = "count"\n'
                    'events = ["bill.paid_late", "bill.forgotten"]\ndescription = "late"\n')
    assert (error.code, error.field) == ("FEATURE_VIEW_INVALID", "features.f.events[1]")
    assert "bill.forgotten" in error.message


def test_an_unknown_attribute_is_refused_naming_the_key() -> None:
    error = refused('factor = "credit_history"\naggregate = "max"\nevents = ["bill.paid_late"]\n'
                    'value = "days_overdue"\ndescription = "worst"\n')
    assert error.field == "features.f.value" and "days_overdue" in error.message
    error = refused('factor = "credit_history"\naggregate = "count"\n'
                    'events = ["loan.repaid_late"]\nwhere = { category = ["rent"] }\n'
                    'description = "late"\n')
    assert error.field == "features.f.where.category"  # loans carry no category


@pytest.mark.parametrize(("body", "field"), [
    ('[features.religion_events]\nfactor = "credit_history"\naggregate = "count"\n'
     'events = ["bill.paid_late"]\ndescription = "x x x"\n', "features.religion_events"),
    ('[features.f]\nfactor = "credit_history"\naggregate = "count"\n'
     'events = ["social_media.post"]\ndescription = "x x x"\n', "features.f.events"),
    ('[features.f]\nfactor = "credit_history"\naggregate = "max"\nevents = ["bill.paid_late"]\n'
     'value = "health_score"\ndescription = "x x x"\n', "features.f.value"),
    ('[features.f]\nfactor = "credit_history"\naggregate = "count"\nevents = ["bill.paid_late"]\n'
     'where = { location = ["home"] }\ndescription = "x x x"\n', "features.f.where.location"),
])
def test_protected_categories_are_refused_before_anything_else(body: str, field: str) -> None:
    error = refused(HEAD + body, whole=True)
    assert (error.code, error.field) == ("PROTECTED_CATEGORY", field)


@pytest.mark.parametrize(("body", "field", "words"), [
    ('factor = "credit_history"\naggregate = "share"\nevents = ["bill.paid_late"]\n'
     'description = "xxx"\n', "features.f.of", "'of'"),
    ('factor = "credit_history"\naggregate = "share"\nevents = ["bill.paid_late"]\n'
     'of = ["bill.paid_on_time"]\ndescription = "xxx"\n', "features.f.of", "among"),
    ('factor = "credit_history"\naggregate = "count"\nevents = ["bill.paid_late"]\n'
     'value = "amount"\ndescription = "xxx"\n', "features.f.value", "takes no"),
    ('factor = "credit_history"\naggregate = "sum"\nevents = ["bill.paid_late"]\n'
     'description = "xxx"\n', "features.f.value", "needs"),
    ('factor = "credit_history"\naggregate = "sum"\nevents = ["inquiry.hard"]\n'
     'value = "amount"\ndescription = "xxx"\n', "features.f.value", "no amount"),
    ('factor = "credit_history"\naggregate = "sum"\nevents = ["bill.paid_on_time"]\n'
     'value = "category"\ndescription = "xxx"\n', "features.f.value", "not a number"),
    ('factor = "identity_traits"\naggregate = "count"\nevents = ["bill.paid_late"]\n'
     'description = "xxx"\n', "features.f.factor", "credit_history"),
    ('factor = "credit_history"\naggregate = "count"\nevents = ["tax.arrears"]\n'
     'description = "xxx"\n', "features.f.events[0]", "person"),
    ('factor = "credit_history"\naggregate = "count"\nevents = ["bill.paid_late"]\n'
     'where = { days_past_due = ["30"] }\ndescription = "xxx"\n',
     "features.f.where.days_past_due", "min"),
    ('factor = "credit_history"\naggregate = "count"\nevents = ["bill.paid_on_time"]\n'
     'where = { category = ["yachts"] }\ndescription = "xxx"\n', "features.f.where.category",
     "yachts"),
    ('factor = "credit_history"\naggregate = "median"\nevents = ["bill.paid_late"]\n'
     'description = "xxx"\n', "features.f.aggregate", ""),
    ('factor = "credit_history"\naggregate = "count"\nevents = ["bill.paid_late"]\n'
     'windw_days = 30\ndescription = "xxx"\n', "features.f.windw_days", ""),
    ('factor = "trust"\naggregate = "count"\nevents = ["bill.paid_late"]\n'
     'description = "xxx"\n', "features.f.factor", ""),
])
def test_a_malformed_feature_names_its_key(body: str, field: str, words: str) -> None:
    error = refused(body)
    assert (error.code, error.field) == ("FEATURE_VIEW_INVALID", field)
    assert words in error.message


def test_declared_ties_never_become_scorecard_features() -> None:
    error = refused('factor = "relationships"\naggregate = "count"\n'
                    'events = ["relationship.guarantor_of"]\ndescription = "xxx"\n')
    assert (error.code, error.field) == ("FEATURE_VIEW_INVALID", "features.f.factor")
    assert "capped relationships factor" in error.message


def test_syntax_errors_and_empty_views_are_refused() -> None:
    assert refused("[view\n", whole=True).code == "FEATURE_VIEW_SYNTAX"
    assert refused(HEAD + "[features]\n", whole=True).field == "features"
    error = refused('[view]\nname = "Bad Name"\n[features.f]\nfactor = "credit_history"\n'
                    'aggregate = "count"\nevents = ["bill.paid_late"]\ndescription = "xxx"\n',
                    whole=True)
    assert error.field == "view.name"
    error = refused(HEAD + '[features.Late]\nfactor = "credit_history"\naggregate = "count"\n'
                    'events = ["bill.paid_late"]\ndescription = "xxx"\n', whole=True)
    assert error.field == "features.Late"
