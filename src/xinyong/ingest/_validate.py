"""Vectorised validation: ``ingest_rows`` (text) → ``ingest_checked`` (typed, with errors).

Every field of every row is checked against the catalogue, the furnisher's licence and the
jurisdiction's identifier scheme, and *all* the problems of a row are collected as a list of
``{field, code, message}``, in a fixed order; a row is accepted only when its list is empty.
Work is done once per distinct thing it depends on (:class:`ValidationPlan`): the checks that
depend only on a row's shape (subject_kind, event_type, attributes) once per distinct shape,
identifier checks and the HMAC-SHA256 pseudonym of people's IDs (built from DuckDB's sha256)
once per distinct ID, and only dates, amounts and the event_id once per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatch

import duckdb

from xinyong.catalog import Catalogue, protected_category
from xinyong.ingest._identifiers import generic_checks, prc_checks, uscc_checks
from xinyong.profiles import JurisdictionProfile
from xinyong.store import fetch_one

CORRECTIONS = ("correction.void", "correction.replace")


def q(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _list(values: list[str] | tuple[str, ...]) -> str:
    return "[" + ", ".join(q(v) for v in values) + "]::VARCHAR[]"


def _err(condition: str, field: str, code: str, message: str, rank: int) -> str:
    # ``rank`` orders a row's errors once its shape's and its own are put together.
    return (
        f"CASE WHEN {condition} THEN {{'rank': {rank}, 'field': {q(field)}, 'code': {q(code)}, "
        f"'message': {message}}} END"
    )


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


# Checks whose inputs are the row's own values; every other check depends only on the row's
# shape (subject_kind, event_type, attributes) and is evaluated once per distinct shape.
_ROW_CODES = frozenset({
    "EVENT_ID_MISSING", "EVENT_ID_TOO_LONG", "SUBJECT_ID_MISSING", "OCCURRED_AT_MISSING",
    "OCCURRED_AT_INVALID", "AMOUNT_INVALID", "OCCURRED_AT_FUTURE", "OCCURRED_AT_TOO_OLD",
    "AMOUNT_NEGATIVE", "AMOUNT_ABSURD", "AMOUNT_REQUIRED", "AMOUNT_NOT_ALLOWED",
})
# An error's rank in a row's list: identifier errors first, then the checks in their order.
_CHECK_RANK = 100
_STRIP_RANK = "lambda e: {'field': e.field, 'code': e.code, 'message': e.message}"


@dataclass(frozen=True)
class ValidationPlan:
    """The SQL of one validation, built from the catalogue, licence and profile.

    Statements run in order: :attr:`shapes` (``ingest_shapes``: one row per distinct
    subject_kind, event_type and attributes, with the attributes parsed), then — once the
    batch's distinct names are known — :meth:`verdicts` (``ingest_ids``: one row per distinct
    ID, checked and pseudonymised; ``ingest_verdicts``: each shape's errors and typed
    attributes) and :meth:`checked` (``ingest_checked``: every row, its own checks, its shape's
    verdict joined back).
    """

    ctx: BatchContext
    typed: bool
    utc_session: bool = False  # naive date-times then parse without the time-zone path

    def shape_keys(self) -> list[str]:
        keys = ["subject_kind", "event_type", "attributes"]
        if self.typed:
            keys += [f"a_{a}" for a in self.ctx.catalogue.attributes]
        return keys

    def normalise(self, column: str) -> str:
        scheme = self.ctx.profile.identifier_scheme
        return f"upper(trim({column}))" if scheme == "cn" else f"trim({column})"

    def shapes(self) -> str:
        cat = self.ctx.catalogue
        types = [t.name for t in cat]
        kind_arms = " ".join(
            f"WHEN {q(t.name)} THEN {_list(sorted(k.value for k in t.applies_to))}" for t in cat
        )
        allowed_arms = " ".join(
            f"WHEN {q(t.name)} THEN {_list([a.name for a in t.attributes])}" for t in cat
        )
        amount_arms = " ".join(f"WHEN {q(t.name)} THEN {q(t.amount.value)}" for t in cat)
        attr_json = (
            "CAST(NULL AS JSON) AS attr_json" if self.typed else
            "CASE WHEN json_valid(attributes) THEN CASE WHEN json_type(attributes) = 'OBJECT' "
            "THEN CAST(attributes AS JSON) END END AS attr_json"
        )
        attr_cols = "" if self.typed else "".join(
            f", json_extract_string(attr_json, '$.{a}') AS a_{a}" for a in cat.attributes
        )
        return f"""
CREATE OR REPLACE TEMP TABLE ingest_shapes AS
WITH base AS (
  SELECT CAST(row_number() OVER () AS INTEGER) AS shape_index, *,
    lower(trim(subject_kind)) AS kind, trim(event_type) AS raw_type, {attr_json}
  FROM (SELECT DISTINCT {', '.join(self.shape_keys())} FROM ingest_rows)
),
parsed AS (
  SELECT *,
    raw_type IN ({', '.join(q(c) for c in CORRECTIONS)}) AS is_correction,
    json_extract_string(attr_json, '$.target_event_id') AS target_event_id,
    CASE WHEN raw_type = 'correction.replace' THEN json_extract_string(attr_json, '$.event_type')
         ELSE raw_type END AS etype{attr_cols}
  FROM base
)
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
FROM parsed"""

    def names(self) -> str:
        """Distinct event-type and attribute names in the batch, to check for protected ones."""
        return """
SELECT DISTINCT name FROM (
  SELECT raw_type AS name FROM ingest_shapes
  UNION ALL
  SELECT unnest(json_keys(attr_json)) AS name FROM ingest_shapes WHERE attr_json IS NOT NULL
) WHERE name IS NOT NULL"""

    def checks(self, unknown_names: list[str]) -> list[tuple[str, str, str, str]]:
        """Every check as ``(condition, field, code, message)``, in reporting order."""
        cat, typed = self.ctx.catalogue, self.typed
        types = [t.name for t in cat]
        protected = [n for n in unknown_names if protected_category(n)]
        # A list, not an IN (...): with no protected name in the batch, ``k NOT IN (NULL)``
        # would be NULL and hide every undeclared attribute.
        protected_keys = _list(protected)
        licensed = self.ctx.licensed_types()
        attr_checks: list[tuple[str, str, str, str]] = []
        for a in cat.attributes.values():
            field = f"attributes.{a.name}"
            required_by = [t.name for t in cat if a.name in t.required]
            if required_by:
                attr_checks.append((
                    f"etype IN ({', '.join(q(n) for n in required_by)}) AND a_{a.name} IS NULL",
                    field, "ATTRIBUTE_REQUIRED", f"etype || ' needs the attribute {a.name}'"))
            if a.sql_type == "INTEGER":
                attr_checks.append((
                    f"a_{a.name} IS NOT NULL AND TRY_CAST(a_{a.name} AS INTEGER) IS NULL",
                    field, "ATTRIBUTE_TYPE",
                    f"'{a.name} must be a whole number; got ' || a_{a.name}"))
                if a.minimum is not None and a.maximum is not None:
                    attr_checks.append((
                        f"TRY_CAST(a_{a.name} AS INTEGER) NOT BETWEEN {a.minimum:g} AND {a.maximum:g}",
                        field, "ATTRIBUTE_RANGE",
                        f"'{a.name} must be between {a.minimum:g} and {a.maximum:g}; got ' "
                        f"|| a_{a.name}"))
            if a.values:
                attr_checks.append((
                    f"a_{a.name} NOT IN ({', '.join(q(v) for v in a.values)})",
                    field, "ATTRIBUTE_VALUE",
                    f"'{a.name} must be one of {', '.join(a.values)}; got ' || a_{a.name}"))
        skew = self.ctx.profile.clock_skew_days
        if typed:
            text_checks: list[tuple[str, str, str, str]] = [
                ("occurred_at IS NULL", "occurred_at", "OCCURRED_AT_MISSING",
                 "'every row needs occurred_at'"),
            ]
        else:
            text_checks = [
                ("occurred_at IS NULL OR occurred_text = ''", "occurred_at",
                 "OCCURRED_AT_MISSING",
                 "'every row needs occurred_at, an ISO 8601 date or date-time'"),
                ("occurred_text <> '' AND ts IS NULL", "occurred_at", "OCCURRED_AT_INVALID",
                 "'''' || occurred_at || ''' is not an ISO 8601 date (2026-03-01) or date-time "
                 "(2026-03-01T09:30:00Z)'"),
                ("amount_text <> '' AND amt IS NULL", "amount", "AMOUNT_INVALID",
                 "'amount must be a number such as 1250.50; got ' || amount"),
                ("attributes IS NOT NULL AND trim(attributes) <> '' AND attr_json IS NULL",
                 "attributes", "ATTRIBUTES_INVALID",
                 "'attributes must be a JSON object such as {\"days_past_due\": 30}'"),
                (f"len(list_filter(unknown_keys, lambda k: list_contains({protected_keys}, k))) > 0",
                 "attributes", "PROTECTED_CATEGORY",
                 "'attribute(s) ' || array_to_string(unknown_keys, ', ') || ' would record "
                 "protected data; xinyong refuses it'"),
                (f"len(list_filter(unknown_keys, lambda k: NOT list_contains({protected_keys}, k))) "
                 "> 0",
                 "attributes", "ATTRIBUTE_UNKNOWN",
                 "'attribute(s) ' || array_to_string(unknown_keys, ', ') || ' are not declared "
                 "for ' || COALESCE(etype, 'this type')"),
            ]
        known = ", ".join(q(n) for n in [*types, *CORRECTIONS, *protected])
        return [
            ("event_id IS NULL OR trim(event_id) = ''", "event_id", "EVENT_ID_MISSING",
             "'every row needs an event_id, unique per furnisher'"),
            ("length(event_id) > 64", "event_id", "EVENT_ID_TOO_LONG",
             "'an event_id has at most 64 characters; got ' || length(event_id)"),
            ("kind IS NULL OR kind NOT IN ('person', 'organisation')", "subject_kind",
             "SUBJECT_KIND_INVALID",
             "'subject_kind must be person or organisation; got ' "
             "|| COALESCE(subject_kind, 'nothing')"),
            ("sid IS NULL OR sid = ''", "subject_id", "SUBJECT_ID_MISSING",
             "'every row needs the subject_id of the person or organisation it is about'"),
            ("raw_type IS NULL OR raw_type = ''", "event_type", "EVENT_TYPE_MISSING",
             "'every row needs an event_type from the catalogue (xinyong catalog)'"),
            (f"etype IN ({', '.join(q(n) for n in protected) or 'NULL'})", "event_type",
             "PROTECTED_CATEGORY",
             "'''' || etype || ''' would record protected data (opinion, belief, health, "
             "speech, media or location); xinyong refuses it'"),
            (f"raw_type <> 'correction.replace' AND etype <> '' AND etype NOT IN ({known})",
             "event_type", "EVENT_TYPE_UNKNOWN",
             "'''' || etype || ''' is not in the event catalogue; run xinyong catalog for the "
             "list'"),
            (f"type_known AND etype NOT IN ({', '.join(q(n) for n in licensed) or 'NULL'})",
             "event_type", "NOT_LICENSED",
             "'this furnisher is not licensed to report ' || etype || '; ask the operator to "
             "extend its --may-report patterns'"),
            ("type_known AND kind IN ('person', 'organisation') AND NOT list_contains(kinds, kind)",
             "subject_kind", "KIND_NOT_APPLICABLE",
             "etype || ' applies to ' || array_to_string(kinds, ' and ') || ' subjects only'"),
            *text_checks,
            (f"ts > CAST(now() AS TIMESTAMP) + INTERVAL {skew} DAY", "occurred_at",
             "OCCURRED_AT_FUTURE",
             "'occurred_at ' || CAST(ts AS VARCHAR) || ' is in the future; report events after "
             "they happen'"),
            ("ts < TIMESTAMP '1900-01-01'", "occurred_at", "OCCURRED_AT_TOO_OLD",
             "'occurred_at ' || CAST(ts AS VARCHAR) || ' is before 1900; check the date'"),
            ("amt < 0", "amount", "AMOUNT_NEGATIVE",
             "'amount cannot be negative here; report refunds and reversals as corrections'"),
            ("amt > 1e13 OR isinf(amt) OR isnan(amt)", "amount", "AMOUNT_ABSURD",
             "'amount ' || CAST(amt AS VARCHAR) || ' is not a plausible value'"),
            ("amount_rule = 'required' AND amt IS NULL", "amount", "AMOUNT_REQUIRED",
             "etype || ' needs an amount'"),
            ("amount_rule = 'none' AND amt IS NOT NULL", "amount", "AMOUNT_NOT_ALLOWED",
             "etype || ' carries no amount; leave it empty'"),
            ("is_correction AND COALESCE(target_event_id, '') = ''", "attributes.target_event_id",
             "CORRECTION_TARGET_MISSING",
             "'a correction names the event_id it corrects in attributes.target_event_id'"),
            ("raw_type = 'correction.replace' AND NOT type_known", "attributes.event_type",
             "REPLACEMENT_TYPE_UNKNOWN",
             "'a correction.replace gives the replacing event''s type in attributes.event_type'"),
            *attr_checks,
            ("len(COALESCE(cp_errors, [])) > 0", "attributes.counterparty_id",
             "COUNTERPARTY_ID_INVALID",
             "'the counterparty''s ID is not valid: ' || cp_errors[1].message"),
        ]

    def verdicts(self, unknown_names: list[str]) -> list[str]:
        """Statements creating ``ingest_ids`` and ``ingest_verdicts`` (needs ``ingest_shapes``)."""
        ctx = self.ctx
        if ctx.profile.identifier_scheme == "cn":
            person_checks, org_checks = prc_checks("sid"), uscc_checks("sid")
        else:
            person_checks = org_checks = generic_checks("sid")
        id_checks = [
            _err(f"kind = 'person' AND ({cond})", "subject_id", code, msg, rank)
            for rank, (cond, code, msg) in enumerate(person_checks)
        ] + [
            _err(f"kind = 'organisation' AND ({cond})", "subject_id", code, msg,
                 len(person_checks) + rank)
            for rank, (cond, code, msg) in enumerate(org_checks)
        ]
        # Each check as the condition of a CASE, as in the error list: a check's later parts
        # (a checksum's casts) are only evaluated where its earlier ones (the charset) hold.
        id_failure = " OR ".join(
            [f"CASE WHEN kind = 'person' AND ({cond}) THEN true ELSE false END"
             for cond, _, _ in person_checks]
            + [f"CASE WHEN kind = 'organisation' AND ({cond}) THEN true ELSE false END"
               for cond, _, _ in org_checks])
        ipad, opad = ctx.hmac_ipad.hex(), ctx.hmac_opad.hex()
        pseudonym = f"sha256(unhex('{opad}') || unhex(sha256(unhex('{ipad}') || encode(sid))))"
        shape_errors = ", ".join(
            _err(cond, field, code, msg, _CHECK_RANK + rank)
            for rank, (cond, field, code, msg) in enumerate(self.checks(unknown_names))
            if code not in _ROW_CODES
        )
        typed_attrs = ", ".join(
            "cp_ref AS counterparty_id" if a.name == "counterparty_id"
            else f"TRY_CAST(a_{a.name} AS {a.sql_type}) AS {a.name}"
            for a in ctx.catalogue.attributes.values()
        )
        # Distinct raw (kind, ID) pairs first: normalising is then paid once per pair.
        ids = f"""
CREATE OR REPLACE TEMP TABLE ingest_ids AS
WITH ids AS (
  SELECT lower(trim(subject_kind)) AS kind, {self.normalise('subject_id')} AS sid
  FROM (SELECT DISTINCT subject_kind, subject_id FROM ingest_rows)
  WHERE {self.normalise('subject_id')} <> ''
    AND lower(trim(subject_kind)) IN ('person', 'organisation')
  UNION
  SELECT lower(trim(a_counterparty_kind)), {self.normalise('a_counterparty_id')}
  FROM ingest_shapes
  WHERE a_counterparty_id IS NOT NULL
    AND lower(trim(a_counterparty_kind)) IN ('person', 'organisation')
)
SELECT CAST(row_number() OVER () AS INTEGER) AS id_index, kind, sid,
  -- the error list (a list of structs per ID) is built only for the IDs that fail
  CASE WHEN id_failed THEN list_filter([{', '.join(id_checks)}], lambda e: e IS NOT NULL)
       ELSE [] END AS id_errors,
  id_failed,
  CASE WHEN kind = 'person' THEN {pseudonym} ELSE sid END AS subject_ref
FROM (SELECT *, {id_failure} AS id_failed FROM ids)"""
        verdicts = f"""
CREATE OR REPLACE TEMP TABLE ingest_verdicts AS
SELECT *, {typed_attrs},
  list_filter([{shape_errors}], lambda e: e IS NOT NULL) AS shape_errors,
  len(shape_errors) > 0 AS shape_failed
FROM (
  SELECT s.*, cp.id_errors AS cp_errors, cp.subject_ref AS cp_ref
  FROM ingest_shapes AS s
  LEFT JOIN ingest_ids AS cp ON cp.kind = lower(trim(s.a_counterparty_kind))
    AND cp.sid = {self.normalise('s.a_counterparty_id')}
)"""
        return [ids, verdicts]

    def checked(self, unknown_names: list[str]) -> str:
        """The statement creating ``ingest_checked`` (needs ``ingest_verdicts``)."""
        row_checks = [
            (rank, check) for rank, check in enumerate(self.checks(unknown_names))
            if check[2] in _ROW_CODES
        ]
        any_failure = " OR ".join(f"COALESCE({cond}, false)" for _, (cond, _, _, _) in row_checks)
        row_errors = ", ".join(
            _err(cond, field, code, msg, _CHECK_RANK + rank)
            for rank, (cond, field, code, msg) in row_checks
        )
        if self.typed:
            texts = ""
            ts, amt = "CAST(occurred_at AS TIMESTAMP)", "CAST(amount AS DOUBLE)"
        else:
            texts = ", trim(occurred_at) AS occurred_text, trim(amount) AS amount_text"
            ts = ("COALESCE(CAST(TRY_CAST(occurred_text AS TIMESTAMPTZ) AS TIMESTAMP), "
                  "TRY_CAST(occurred_text AS TIMESTAMP))")
            if self.utc_session:
                # 'YYYY-MM-DD?HH:MM:SS' has no room for an offset or a zone: in a UTC session
                # the time-zone path gives the same instant, so the plain cast (twice as fast)
                # is tried first.
                ts = ("COALESCE(CASE WHEN length(occurred_text) = 19 "
                      "AND occurred_text[11] IN ('T', ' ') AND occurred_text[14] = ':' "
                      "AND occurred_text[17] = ':' THEN TRY_CAST(occurred_text AS TIMESTAMP) END, "
                      f"{ts})")
            amt = "TRY_CAST(amount_text AS DOUBLE)"
        furnisher = "" if self.typed else ", CAST(NULL AS INTEGER) AS furnisher_id"
        text_columns = "" if self.typed else "r.occurred_text, r.amount_text, "
        same_shape = " AND ".join(f"r.{k} IS NOT DISTINCT FROM v.{k}" for k in self.shape_keys())
        return f"""
CREATE OR REPLACE TEMP TABLE ingest_checked AS
WITH joined AS (
  SELECT r.row_number, r.byte_offset, r.furnisher_id, r.event_id, r.occurred_at, r.amount,
    {text_columns}r.sid, r.ts, r.amt, v.shape_index, v.etype, v.amount_rule, v.shape_errors,
    v.shape_failed, i.id_index, i.id_errors, COALESCE(i.id_failed, false) AS id_failed
  FROM (SELECT *, {ts} AS ts, {amt} AS amt
        FROM (SELECT *{furnisher}{texts}, {self.normalise('subject_id')} AS sid
              FROM ingest_rows)) AS r
  JOIN ingest_verdicts AS v ON {same_shape}
  LEFT JOIN ingest_ids AS i ON i.kind = v.kind AND i.sid = r.sid
),
flagged AS (SELECT *, shape_failed OR id_failed OR {any_failure} AS failed FROM joined)
SELECT row_number, byte_offset, furnisher_id, event_id, shape_index, id_index, ts, amt, failed,
  CASE WHEN failed
       THEN list_transform(list_sort(COALESCE(id_errors, []) || shape_errors
                                     || list_filter([{row_errors}], lambda e: e IS NOT NULL)),
                           {_STRIP_RANK})
       ELSE [] END AS errors
FROM flagged"""


def run_validation(
    con: duckdb.DuckDBPyConnection, ctx: BatchContext, *, typed: bool = False
) -> None:
    """``ingest_rows`` → ``ingest_ids`` and ``ingest_checked`` (see :class:`ValidationPlan`).

    ``typed`` input (the bulk path) carries ``occurred_at`` as TIMESTAMP, ``amount`` as DOUBLE,
    a ``furnisher_id`` and the attributes as ``a_<name>`` text columns instead of JSON.
    """
    zone = fetch_one(con.execute("SELECT current_setting('TimeZone')"))
    utc = zone is not None and str(zone[0]) in ("UTC", "Etc/UTC", "GMT", "Etc/GMT")
    plan = ValidationPlan(ctx, typed, utc)
    con.execute(plan.shapes())
    names = [] if typed else [str(r[0]) for r in con.execute(plan.names()).fetchall()]
    for statement in plan.verdicts(names):
        con.execute(statement)
    con.execute(plan.checked(names))
