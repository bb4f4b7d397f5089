"""Vectorised validation: ``ingest_rows`` (text) → ``ingest_checked`` (typed, with errors).

One SQL pass over the whole batch parses every field, checks it against the catalogue, the
furnisher's licence and the jurisdiction's identifier scheme, and collects *all* the problems of
a row as a list of ``{field, code, message}``. A row is accepted only when its list is empty.
People's IDs become HMAC-SHA256 pseudonyms in the same pass (HMAC built from DuckDB's sha256).
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatch

import duckdb

from xinyong.catalog import Catalogue, protected_category
from xinyong.profiles import JurisdictionProfile

CORRECTIONS = ("correction.void", "correction.replace")
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_PRC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def q(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _list(values: list[str] | tuple[str, ...]) -> str:
    return "[" + ", ".join(q(v) for v in values) + "]::VARCHAR[]"


def _err(condition: str, field: str, code: str, message: str) -> str:
    return (
        f"CASE WHEN {condition} THEN {{'field': {q(field)}, 'code': {q(code)}, "
        f"'message': {message}}} END"
    )


def _prc_checks(sid: str) -> list[tuple[str, str, str]]:
    digits = " + ".join(
        f"CAST(substr({sid}, {i + 1}, 1) AS INTEGER) * {w}" for i, w in enumerate(_PRC_WEIGHTS)
    )
    return [
        (f"length({sid}) <> 18", "ID_LENGTH",
         f"'a PRC resident identity number has 18 characters; got ' || length({sid})"),
        (f"NOT regexp_full_match({sid}, '[0-9]{{17}}[0-9X]')", "ID_CHARSET",
         "'a PRC resident identity number is 17 digits and a check character 0-9 or X'"),
        (f"regexp_full_match({sid}, '[0-9]{{17}}[0-9X]') AND "
         f"substr('10X98765432', (({digits}) % 11) + 1, 1) <> substr({sid}, 18, 1)", "ID_CHECKSUM",
         "'the check character does not match (ISO 7064 MOD 11-2): the number has a typo'"),
        (f"regexp_full_match({sid}, '[0-9]{{17}}[0-9X]') AND "
         f"COALESCE(try_strptime(substr({sid}, 7, 8), '%Y%m%d') NOT BETWEEN DATE '1900-01-01' "
         f"AND current_date, true)", "ID_BIRTH_DATE",
         "'characters 7-14 are not a birth date between 1900 and today'"),
    ]


def _uscc_checks(sid: str) -> list[tuple[str, str, str]]:
    from xinyong.catalog.identifiers import _USCC_WEIGHTS  # the standard's weights, one source

    values = " + ".join(
        f"(instr('{_USCC_ALPHABET}', substr({sid}, {i + 1}, 1)) - 1) * {w}"
        for i, w in enumerate(_USCC_WEIGHTS)
    )
    return [
        (f"length({sid}) <> 18", "ID_LENGTH",
         f"'a unified social credit code has 18 characters; got ' || length({sid})"),
        (f"NOT regexp_full_match({sid}, '[{_USCC_ALPHABET}]{{18}}')", "ID_CHARSET",
         f"'a unified social credit code uses only {_USCC_ALPHABET}'"),
        (f"regexp_full_match({sid}, '[{_USCC_ALPHABET}]{{18}}') AND "
         f"substr('{_USCC_ALPHABET}', ((31 - (({values}) % 31)) % 31) + 1, 1) "
         f"<> substr({sid}, 18, 1)", "ID_CHECKSUM",
         "'the check character does not match (GB 32100-2015): the code has a typo'"),
    ]


def _generic_checks(sid: str) -> list[tuple[str, str, str]]:
    return [
        (f"length({sid}) > 64", "ID_TOO_LONG", "'an ID has at most 64 characters'"),
        (f"regexp_matches({sid}, '[[:cntrl:]]')", "ID_CHARSET",
         "'the ID contains control characters'"),
    ]


@dataclass(frozen=True)
class BatchContext:
    """What validation needs to know besides the rows."""

    catalogue: Catalogue
    profile: JurisdictionProfile
    may_report: list[str] | None  # glob patterns; None = every type
    hmac_ipad: bytes
    hmac_opad: bytes

    def licensed_types(self) -> list[str]:
        names = [t.name for t in self.catalogue]
        if self.may_report is None:
            return names
        return [n for n in names if any(fnmatch(n, p) for p in self.may_report)]


def validation_sql(ctx: BatchContext, unknown_names: list[str], *, typed_attributes: bool = False) -> str:
    """SQL creating ``ingest_checked`` from ``ingest_rows``."""
    cat = ctx.catalogue
    types = [t.name for t in cat]
    attrs = list(cat.attributes.values())
    protected = [n for n in unknown_names if protected_category(n)]
    licensed = ctx.licensed_types()
    scheme = ctx.profile.identifier_scheme

    kind_arms = " ".join(
        f"WHEN {q(t.name)} THEN {_list(sorted(k.value for k in t.applies_to))}" for t in cat
    )
    allowed_arms = " ".join(
        f"WHEN {q(t.name)} THEN {_list([a.name for a in t.attributes])}" for t in cat
    )
    amount_arms = " ".join(f"WHEN {q(t.name)} THEN {q(t.amount.value)}" for t in cat)

    attr_cols = []
    attr_checks = []
    for a in attrs:
        if not typed_attributes:
            text = f"json_extract_string(attr_json, '$.{a.name}')"
            attr_cols.append(f"{text} AS a_{a.name}")
        required_by = [t.name for t in cat if a.name in t.required]
        if required_by:
            attr_checks.append(_err(
                f"etype IN ({', '.join(q(n) for n in required_by)}) AND a_{a.name} IS NULL",
                f"attributes.{a.name}", "ATTRIBUTE_REQUIRED",
                f"etype || ' needs the attribute {a.name}'"))
        if a.sql_type == "INTEGER":
            attr_checks.append(_err(
                f"a_{a.name} IS NOT NULL AND TRY_CAST(a_{a.name} AS INTEGER) IS NULL",
                f"attributes.{a.name}", "ATTRIBUTE_TYPE",
                f"'{a.name} must be a whole number; got ' || a_{a.name}"))
            bounds = []
            if a.minimum is not None:
                bounds.append(f"TRY_CAST(a_{a.name} AS INTEGER) < {a.minimum}")
            if a.maximum is not None:
                bounds.append(f"TRY_CAST(a_{a.name} AS INTEGER) > {a.maximum}")
            if bounds:
                attr_checks.append(_err(
                    " OR ".join(bounds), f"attributes.{a.name}", "ATTRIBUTE_RANGE",
                    f"'{a.name} must be between {a.minimum:g} and {a.maximum:g}; got ' "
                    f"|| a_{a.name}" if a.minimum is not None and a.maximum is not None
                    else f"'{a.name} is out of range'"))
        if a.values:
            attr_checks.append(_err(
                f"a_{a.name} IS NOT NULL AND a_{a.name} NOT IN ({', '.join(q(v) for v in a.values)})",
                f"attributes.{a.name}", "ATTRIBUTE_VALUE",
                f"'{a.name} must be one of {', '.join(a.values)}; got ' || a_{a.name}"))

    if scheme == "cn":
        sid = "upper(trim(subject_id))"
        person_checks, org_checks = _prc_checks("sid"), _uscc_checks("sid")
    else:
        sid = "trim(subject_id)"
        person_checks = org_checks = _generic_checks("sid")
    id_checks = [
        _err(f"kind = 'person' AND sid <> '' AND ({cond})", "subject_id", code, msg)
        for cond, code, msg in person_checks
    ] + [
        _err(f"kind = 'organisation' AND sid <> '' AND ({cond})", "subject_id", code, msg)
        for cond, code, msg in org_checks
    ]
    cp = "cp_sid"
    if scheme == "cn":
        cp_person, cp_org = _prc_checks(cp), _uscc_checks(cp)
    else:
        cp_person = cp_org = _generic_checks(cp)
    id_checks += [
        _err(f"a_counterparty_kind = 'person' AND ({cond})", "attributes.counterparty_id", code,
             msg)
        for cond, code, msg in cp_person
    ] + [
        _err(f"a_counterparty_kind = 'organisation' AND ({cond})", "attributes.counterparty_id",
             code, msg)
        for cond, code, msg in cp_org
    ]
    skew = ctx.profile.clock_skew_days
    checks = [
        _err("event_id IS NULL OR trim(event_id) = ''", "event_id", "EVENT_ID_MISSING",
             "'every row needs an event_id, unique per furnisher'"),
        _err("length(event_id) > 64", "event_id", "EVENT_ID_TOO_LONG",
             "'an event_id has at most 64 characters; got ' || length(event_id)"),
        _err("kind IS NULL OR kind NOT IN ('person', 'organisation')", "subject_kind",
             "SUBJECT_KIND_INVALID",
             "'subject_kind must be person or organisation; got ' || COALESCE(subject_kind, 'nothing')"),
        _err("sid IS NULL OR sid = ''", "subject_id", "SUBJECT_ID_MISSING",
             "'every row needs the subject_id of the person or organisation it is about'"),
        *id_checks,
        _err("raw_type IS NULL OR raw_type = ''", "event_type", "EVENT_TYPE_MISSING",
             "'every row needs an event_type from the catalogue (xinyong catalog)'"),
        _err(f"etype IN ({', '.join(q(n) for n in protected) or 'NULL'})", "event_type",
             "PROTECTED_CATEGORY",
             "'''' || etype || ''' would record protected data (opinion, belief, health, "
             "speech, media or location); xinyong refuses it'"),
        _err(f"raw_type <> 'correction.replace' AND etype <> '' AND etype NOT IN ({', '.join(q(n) for n in [*types, *CORRECTIONS, *protected])})",
             "event_type", "EVENT_TYPE_UNKNOWN",
             "'''' || etype || ''' is not in the event catalogue; run xinyong catalog for the list'"),
        _err(f"type_known AND etype NOT IN ({', '.join(q(n) for n in licensed) or 'NULL'})",
             "event_type", "NOT_LICENSED",
             "'this furnisher is not licensed to report ' || etype || '; ask the operator to "
             "extend its --may-report patterns'"),
        _err("type_known AND kind IN ('person', 'organisation') AND NOT list_contains(kinds, kind)",
             "subject_kind", "KIND_NOT_APPLICABLE",
             "etype || ' applies to ' || array_to_string(kinds, ' and ') || ' subjects only'"),
        _err("occurred_at IS NULL OR trim(occurred_at) = ''", "occurred_at", "OCCURRED_AT_MISSING",
             "'every row needs occurred_at, an ISO 8601 date or date-time'"),
        _err("trim(occurred_at) <> '' AND ts IS NULL", "occurred_at", "OCCURRED_AT_INVALID",
             "'''' || occurred_at || ''' is not an ISO 8601 date (2026-03-01) or date-time "
             "(2026-03-01T09:30:00Z)'"),
        _err(f"ts > CAST(now() AS TIMESTAMP) + INTERVAL {skew} DAY", "occurred_at",
             "OCCURRED_AT_FUTURE",
             "'occurred_at ' || occurred_at || ' is in the future; report events after they happen'"),
        _err("ts < TIMESTAMP '1900-01-01'", "occurred_at", "OCCURRED_AT_TOO_OLD",
             "'occurred_at ' || occurred_at || ' is before 1900; check the date'"),
        _err("trim(amount) <> '' AND amt IS NULL", "amount", "AMOUNT_INVALID",
             "'amount must be a number such as 1250.50; got ' || amount"),
        _err("amt < 0", "amount", "AMOUNT_NEGATIVE",
             "'amount cannot be negative here; report refunds and reversals as corrections'"),
        _err("amt > 1e13 OR isinf(amt) OR isnan(amt)", "amount", "AMOUNT_ABSURD",
             "'amount ' || amount || ' is not a plausible value'"),
        _err("amount_rule = 'required' AND amt IS NULL AND COALESCE(trim(amount), '') = ''",
             "amount", "AMOUNT_REQUIRED", "etype || ' needs an amount'"),
        _err("amount_rule = 'none' AND amt IS NOT NULL", "amount", "AMOUNT_NOT_ALLOWED",
             "etype || ' carries no amount; leave it empty'"),
        _err("attributes IS NOT NULL AND trim(attributes) <> '' AND attr_json IS NULL",
             "attributes", "ATTRIBUTES_INVALID",
             "'attributes must be a JSON object such as {\"days_past_due\": 30}'"),
        _err("len(unknown_keys) > 0 AND len(list_filter(unknown_keys, lambda k: k IN ("
             + (", ".join(q(k) for k in unknown_names if protected_category(k)) or "NULL")
             + "))) > 0", "attributes", "PROTECTED_CATEGORY",
             "'attribute(s) ' || array_to_string(unknown_keys, ', ') || ' would record "
             "protected data; xinyong refuses it'"),
        _err("len(list_filter(unknown_keys, lambda k: k NOT IN ("
             + (", ".join(q(k) for k in unknown_names if protected_category(k)) or "NULL")
             + "))) > 0", "attributes", "ATTRIBUTE_UNKNOWN",
             "'attribute(s) ' || array_to_string(unknown_keys, ', ') || ' are not declared for ' "
             "|| COALESCE(etype, 'this type')"),
        _err("is_correction AND COALESCE(target_event_id, '') = ''", "attributes.target_event_id",
             "CORRECTION_TARGET_MISSING",
             "'a correction names the event_id it corrects in attributes.target_event_id'"),
        _err("raw_type = 'correction.replace' AND NOT type_known", "attributes.event_type",
             "REPLACEMENT_TYPE_UNKNOWN",
             "'a correction.replace gives the replacing event''s type in attributes.event_type'"),
        *attr_checks,
    ]
    ipad, opad = ctx.hmac_ipad.hex(), ctx.hmac_opad.hex()
    pseudonym = (f"sha256(unhex('{opad}') || unhex(sha256(unhex('{ipad}') || encode(sid))))")
    cp_norm = "upper(trim(a_counterparty_id))" if scheme == "cn" else "trim(a_counterparty_id)"
    attribute_select = ", ".join([*attr_cols, f"{cp_norm} AS cp_sid"])
    cp_pseudonym = pseudonym.replace("encode(sid)", "encode(cp_sid)")
    typed_attrs = ", ".join(
        f"CASE WHEN a_counterparty_kind = 'person' THEN {cp_pseudonym} ELSE cp_sid END "
        "AS counterparty_id"
        if a.name == "counterparty_id" else f"TRY_CAST(a_{a.name} AS {a.sql_type}) AS {a.name}"
        for a in attrs
    )
    return f"""
CREATE OR REPLACE TEMP TABLE ingest_checked AS
WITH base AS (
  SELECT r.*, lower(trim(r.subject_kind)) AS kind, {sid} AS sid,
    trim(r.event_type) AS raw_type,
    CASE WHEN json_valid(r.attributes) THEN
      CASE WHEN json_type(r.attributes) = 'OBJECT' THEN CAST(r.attributes AS JSON) END
    END AS attr_json
  FROM ingest_rows AS r
),
typed AS (
  SELECT *,
    raw_type IN ({', '.join(q(c) for c in CORRECTIONS)}) AS is_correction,
    json_extract_string(attr_json, '$.target_event_id') AS target_event_id,
    CASE WHEN raw_type = 'correction.replace' THEN json_extract_string(attr_json, '$.event_type')
         ELSE raw_type END AS etype,
    COALESCE(CAST(TRY_CAST(trim(occurred_at) AS TIMESTAMPTZ) AS TIMESTAMP),
             TRY_CAST(trim(occurred_at) AS TIMESTAMP)) AS ts,
    TRY_CAST(trim(amount) AS DOUBLE) AS amt,
    {attribute_select}
  FROM base
),
flags AS (
  SELECT *,
    COALESCE(etype IN ({', '.join(q(n) for n in types)}), false) AS type_known,
    CASE etype {kind_arms} END AS kinds,
    CASE etype {amount_arms} END AS amount_rule,
    list_filter(COALESCE(json_keys(attr_json), []::VARCHAR[]),
      lambda k: NOT list_contains(
        COALESCE(CASE etype {allowed_arms} END, []::VARCHAR[])
        || CASE WHEN raw_type = 'correction.void' THEN ['target_event_id']
                WHEN raw_type = 'correction.replace' THEN ['target_event_id', 'event_type']
                ELSE []::VARCHAR[] END, k)) AS unknown_keys
  FROM typed
),
checked AS (
  SELECT *,
    list_filter([{', '.join(checks)}], lambda e: e IS NOT NULL) AS errors
  FROM flags
)
SELECT row_number, byte_offset, event_id, kind, sid, raw_type, etype, is_correction,
  target_event_id, ts, amt, errors, {typed_attrs},
  CASE WHEN len(errors) = 0 THEN
    CASE WHEN kind = 'person' THEN {pseudonym} ELSE sid END END AS subject_ref,
  subject_kind AS raw_subject_kind, subject_id AS raw_subject_id, event_type AS raw_event_type,
  occurred_at AS raw_occurred_at, amount AS raw_amount, attributes AS raw_attributes
FROM checked
"""


def content_hash_sql(catalogue: Catalogue) -> str:
    """The md5 over an accepted row's normalised content (same for every format)."""
    attrs = list(catalogue.attributes)
    parts = ["kind", "subject_ref", "etype", "strftime(ts, '%Y-%m-%dT%H:%M:%S.%f')",
             "COALESCE(CAST(amt AS VARCHAR), '')",
             *(f"COALESCE(CAST({a} AS VARCHAR), '')" for a in attrs),
             "COALESCE(target_event_id, '')", "raw_type"]
    return f"md5(concat_ws('|', {', '.join(parts)}))"


def unknown_names_sql() -> str:
    """Distinct event-type and attribute names in the batch, to check for protected ones."""
    return """
SELECT DISTINCT name FROM (
  SELECT trim(event_type) AS name FROM ingest_rows
  UNION ALL
  SELECT unnest(json_keys(attr)) AS name FROM (
    SELECT CASE WHEN json_valid(attributes) THEN
      CASE WHEN json_type(attributes) = 'OBJECT' THEN CAST(attributes AS JSON) END END AS attr
    FROM ingest_rows)
  WHERE attr IS NOT NULL
) WHERE name IS NOT NULL"""


def run_validation(
    con: duckdb.DuckDBPyConnection, ctx: BatchContext, *, typed_attributes: bool = False
) -> None:
    names = (
        [] if typed_attributes
        else [str(r[0]) for r in con.execute(unknown_names_sql()).fetchall()]
    )
    con.execute(validation_sql(ctx, names, typed_attributes=typed_attributes))
