"""The subject report: everything held about a subject, free, and their data export.

:func:`subject_report` gathers, for one subject, the decrypted identity (the only place it is
decrypted), participation (enrolled, opted out, erased) and the file's freeze and fraud alert,
every event with its furnisher and what became of it (counted, voided or replaced by which
correction, suppressed or deleted after a dispute; disputed), the corrections, list entries,
every stored score per model, every inquiry (refused ones too), decisions, consents, disputes,
rewards and notices. The result is JSON-ready: it is the machine-readable export (``xinyong
report ID --json``); the text and HTML views (:func:`report_tables`,
:mod:`xinyong.governance._report_html`) are drawn from it.

Reading one's own report is a right: it is free and is never an inquiry (nothing goes to the
inquiries or the event log, so it cannot move a score). It is audited as ``report.view``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from xinyong.catalog import Factor
from xinyong.decisions._conditions import Facts
from xinyong.decisions._consent import consents_of
from xinyong.decisions._freeze import file_status
from xinyong.decisions._inquiries import inquiry_history
from xinyong.decisions._lists import active_entries, entries_of
from xinyong.decisions._notices import notices_for
from xinyong.decisions._rewards import reward_catalogue
from xinyong.decisions._scores import latest_score
from xinyong.decisions._tables import tables
from xinyong.errors import XinyongError
from xinyong.governance import _disputes
from xinyong.governance._audit import record_audit
from xinyong.governance._identity import enrollment_rights, read_identity
from xinyong.store import Store, fetch_one, transaction, utcnow

REPORT_FORMAT = "xinyong-subject-report/1"
_FACTORS = [f.value for f in Factor]


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


def subject_report(store: Store, subject_key: int, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything held about the subject, as JSON-ready data (see the module docstring)."""
    moment = utcnow(now)
    con = tables(store)
    row = fetch_one(con.execute(
        "SELECT CAST(s.kind AS VARCHAR), s.enrolled, s.created_at, e.erased_at, e.erased_by "
        "FROM subjects AS s LEFT JOIN subject_erasures AS e USING (subject_key) "
        "WHERE s.subject_key = ?", [subject_key]))
    if row is None:
        raise XinyongError("UNKNOWN_SUBJECT", "no events have been reported about this subject",
                           field="subject_id")
    kind, enrolled, created_at, erased_at, erased_by = row
    disputes = _disputes.subject_disputes(con, subject_key)
    report: dict[str, Any] = {
        "report": {"format": REPORT_FORMAT, "generated_at": moment.isoformat(),
                   "profile": store.profile.name, "free": True,
                   "note": "Your own report is free and is not an inquiry: reading it never "
                           "changes your score and no relying party sees that you read it."},
        "subject": _subject(store, subject_key, kind, bool(enrolled), created_at, erased_at,
                            erased_by, moment),
        "identity": _identity(store, subject_key, kind, erased_at),
        "events": _events(store, subject_key, disputes),
        "corrections": _corrections(store, subject_key),
        "lists": _lists(store, subject_key, disputes, moment),
        "scores": _scores(store, subject_key),
        "inquiries": [i.to_json() for i in inquiry_history(store, subject_key)],
        "decisions": _decisions(store, subject_key),
        "consents": [{"consent_id": c.consent_id, "party_id": c.party_id,
                      "purpose": c.purpose.value, "granted_at": _iso(c.granted_at),
                      "expires_at": _iso(c.expires_at), "revoked_at": _iso(c.revoked_at),
                      "status": c.status(moment)} for c in consents_of(store, subject_key)],
        "disputes": disputes,
        "rewards": _rewards(store, subject_key, kind, moment),
        "notices": [n.to_json() for n in notices_for(store, subject_key)],
    }
    with transaction(con):
        record_audit(con, "report.view", actor="subject", subject_key=subject_key, at=moment)
    return report


def _subject(store: Store, key: int, kind: str, enrolled: bool, created_at: datetime,
             erased_at: datetime | None, erased_by: str | None, moment: datetime) -> dict[str, Any]:
    status = file_status(store, key, now=moment)
    participation = ("erased" if erased_at is not None else "enrolled" if enrolled
                     else "not enrolled (opted out, or not opted in)")
    alert = status.fraud_alert
    return {
        "kind": kind, "participation": participation, "enrolled": enrolled,
        "known_since": _iso(created_at), "erased_at": _iso(erased_at), "erased_by": erased_by,
        "your_participation_rights": enrollment_rights(store.profile).explanation,
        "frozen_since": _iso(status.frozen_since),
        "fraud_alert": None if alert is None else {
            "placed_at": _iso(alert.placed_at), "expires_at": _iso(alert.expires_at),
            "note": alert.note},
    }


def _identity(store: Store, key: int, kind: str, erased_at: datetime | None) -> dict[str, Any]:
    if erased_at is not None:
        return {"status": "erased", "erased_at": _iso(erased_at),
                "note": "your personal fields were erased: their key was destroyed and they "
                        "cannot be read back by anyone"}
    if kind != "person":
        return {"status": "not kept", "note": "personal fields are kept for people only"}
    identity = read_identity(store, key)
    if identity is None:
        return {"status": "none recorded"}
    return {"status": "recorded", **identity.to_json()}


def _dispute_marker(disputes: list[dict[str, Any]], match: dict[str, Any]) -> dict[str, Any] | None:
    """The newest dispute about a record (``disputes`` come newest first), or None."""
    for d in disputes:
        if all(k in d and d[k] is not None and d[k] == v for k, v in match.items()):
            return {"dispute_id": d.get("dispute_id"), "status": d.get("status"),
                    "statement": d.get("statement")}
    return None


def _events(store: Store, key: int, disputes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    attributes = list(store.catalogue.attributes)
    rows = store.con.execute(
        f"""SELECT e.event_seq, e.event_id, f.name, CAST(e.event_type AS VARCHAR),
                   e.occurred_at, e.amount, e.batch_id, e.recorded_at, c.kind, c.by_event,
                   x.kind, x.dispute_id, {', '.join(f'e.{a}' for a in attributes)}
            FROM events AS e
            JOIN furnishers AS f USING (furnisher_id)
            LEFT JOIN (SELECT target_event_seq, arg_max(kind, recorded_at) AS kind,
                              arg_max(event_id, recorded_at) AS by_event
                       FROM event_corrections GROUP BY target_event_seq) AS c
              ON c.target_event_seq = e.event_seq
            LEFT JOIN (SELECT event_seq, arg_max(kind, recorded_at) AS kind,
                              arg_max(dispute_id, recorded_at) AS dispute_id
                       FROM dispute_exclusions GROUP BY event_seq) AS x
              ON x.event_seq = e.event_seq
            WHERE e.subject_key = ?
            ORDER BY e.occurred_at, e.event_seq""", [key]).fetchall()
    events = []
    for r in rows:
        seq, event_id, furnisher, event_type, occurred, amount, batch, recorded, ckind, by = r[:10]
        excluded, dispute_id = r[10:12]
        if ckind is not None:
            status = f"voided by {by}" if ckind == "correction.void" else f"replaced by {by}"
        elif excluded is not None:
            status = (f"deleted after dispute #{dispute_id}" if excluded == "deleted"
                      else f"suppressed: dispute #{dispute_id} unanswered in time")
        else:
            status = "counted"
        marker = (_dispute_marker(disputes, {"event_seq": seq})
                  or _dispute_marker(disputes, {"furnisher": furnisher, "event_id": event_id}))
        events.append({
            "event_id": event_id, "furnisher": furnisher, "event_type": event_type,
            "occurred_at": _iso(occurred), "amount": amount,
            "attributes": {a: _iso(v) for a, v in zip(attributes, r[12:], strict=True)
                           if v is not None},
            "batch_id": batch, "recorded_at": _iso(recorded), "status": status,
            "correction": None if ckind is None else {"kind": ckind, "event_id": by},
            "disputed": marker,
        })
    return events


def _corrections(store: Store, key: int) -> list[dict[str, Any]]:
    rows = store.con.execute(
        """SELECT c.event_id, f.name, c.kind, c.target_event_id, c.batch_id, c.recorded_at
           FROM event_corrections AS c
           JOIN events AS e ON e.event_seq = c.target_event_seq
           LEFT JOIN furnishers AS f ON f.furnisher_id = c.furnisher_id
           WHERE e.subject_key = ? ORDER BY c.recorded_at, c.event_id""", [key]).fetchall()
    return [{"event_id": r[0], "furnisher": r[1], "kind": r[2], "target_event_id": r[3],
             "batch_id": r[4], "recorded_at": _iso(r[5])} for r in rows]


def _lists(store: Store, key: int, disputes: list[dict[str, Any]],
           moment: datetime) -> list[dict[str, Any]]:
    return [{**e.to_json(), "status": e.status(moment),
             "disputed": _dispute_marker(disputes, {"entry_id": e.entry_id})}
            for e in entries_of(store, key)]


def _scores(store: Store, key: int) -> dict[str, list[dict[str, Any]]]:
    reasons = ", ".join(f"reason_{i}, reason_{i}_points" for i in range(1, 5))
    rows = store.con.execute(
        f"""SELECT model_id, model_version, as_of, score, tier, percentile, n_events,
                   unscorable_reason, {reasons}, {', '.join(_FACTORS)}
            FROM scores WHERE subject_key = ?
            ORDER BY model_id, as_of, model_version""", [key]).fetchall()
    history: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        pairs = r[8:16]
        history.setdefault(r[0], []).append({
            "as_of": _iso(r[2]), "model": r[0], "version": r[1], "score": r[3], "tier": r[4],
            "percentile": r[5], "n_events": r[6], "unscorable_reason": r[7],
            "reasons": [{"code": pairs[i], "points": pairs[i + 1]}
                        for i in range(0, 8, 2) if pairs[i] is not None],
            "factors": {f: v for f, v in zip(_FACTORS, r[16:], strict=True) if v is not None},
        })
    return history


def _decisions(store: Store, key: int) -> list[dict[str, Any]]:
    rows = store.con.execute(
        """SELECT d.decision_id, d.decided_at, d.party_id, d.purpose, d.product_id, d.outcome,
                  d.score, d.tier, r.status, r.final_outcome
           FROM decisions AS d LEFT JOIN decision_reviews AS r USING (decision_id)
           WHERE d.subject_key = ? ORDER BY d.decided_at, d.decision_id""", [key]).fetchall()
    return [{"decision_id": r[0], "decided_at": _iso(r[1]), "party_id": r[2], "purpose": r[3],
             "product_id": r[4], "outcome": r[5], "score": r[6], "tier": r[7],
             "review": None if r[8] is None else {"status": r[8], "final_outcome": r[9]}}
            for r in rows]


def _rewards(store: Store, key: int, kind: str, moment: datetime) -> dict[str, Any]:
    """The rewards the subject's latest stored score unlocks (read only: not an inquiry)."""
    catalogue = reward_catalogue()
    try:
        score = latest_score(store.con, key, catalogue.model, moment)
    except XinyongError as exc:
        return {"model": catalogue.model, "score": None, "unlocked": [], "locked": [],
                "note": exc.message}
    lists = frozenset(e.list_id for e in active_entries(store.con, key, moment))
    facts = Facts(score.score, score.tier, score.factors, lists)
    unlocked: list[dict[str, str]] = []
    locked: list[dict[str, str]] = []
    for spec in catalogue.rewards:
        if kind in spec.subject_kinds:
            view = {"id": spec.id, "name": spec.name, "requirement": spec.when.describe()}
            (unlocked if spec.when.holds(facts) else locked).append(view)
    return {"model": catalogue.model, "score": score.score, "tier": score.tier,
            "as_of": _iso(score.as_of), "unlocked": unlocked, "locked": locked}


# -- views for people: the same data as titled tables of text -------------------------------------
@dataclass(frozen=True)
class ReportTable:
    key: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]
    empty: str = "none"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, dict):
        return ", ".join(f"{k}={_text(v)}" for k, v in value.items() if v is not None)
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value)
    return str(value)


def readable_time(value: Any) -> str:
    """An ISO time as people read it: the date alone at midnight, else to the minute."""
    if not isinstance(value, str):
        return _text(value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return f"{moment:%Y-%m-%d}" if moment.time() == datetime.min.time() else f"{moment:%Y-%m-%d %H:%M}"


def _marker(d: dict[str, Any] | None) -> str:
    if d is None:
        return ""
    statement = f": {d['statement']}" if d.get("statement") else ""
    return f"DISPUTED #{_text(d.get('dispute_id'))} ({_text(d.get('status'))}){statement}"


def report_tables(report: dict[str, Any]) -> list[ReportTable]:
    """The report as titled tables of text, in reading order (used by the text and HTML views)."""
    subject, identity = report["subject"], report["identity"]
    facts = [("kind", subject["kind"]), ("participation", subject["participation"]),
             ("known since", subject["known_since"]), ("your participation rights",
                                                       subject["your_participation_rights"]),
             ("file frozen since", subject["frozen_since"]),
             ("fraud alert", subject["fraud_alert"])]
    who = [(k.replace("_", " "), v) for k, v in identity.items()]
    scores = [(m, s["as_of"], s["version"], s["score"], s["tier"], s["percentile"],
               s["unscorable_reason"], "; ".join(f"{x['code']} (−{_text(x['points'])})"
                                                  for x in s["reasons"]))
              for m, runs in report["scores"].items() for s in runs]
    rewards = report["rewards"]
    return [
        ReportTable("subject", "You", ("item", "value"),
                    [(k, readable_time(v)) for k, v in facts if v is not None]),
        ReportTable("identity", "Personal data (decrypted for this report only)",
                    ("field", "value"),
                    [(k, readable_time(v) if k == "recorded at" else _text(v)) for k, v in who]),
        ReportTable("events", "Events furnishers reported",
                    ("when", "type", "amount", "details", "furnisher", "event id", "batch",
                     "status", "dispute"),
                    [(readable_time(e["occurred_at"]), e["event_type"], _text(e["amount"]),
                      _text(e["attributes"]), e["furnisher"], e["event_id"],
                      _text(e["batch_id"]), e["status"], _marker(e["disputed"]))
                     for e in report["events"]]),
        ReportTable("corrections", "Corrections", ("recorded", "furnisher", "kind", "of event",
                                                   "correction id"),
                    [(readable_time(c["recorded_at"]), _text(c["furnisher"]), c["kind"],
                      c["target_event_id"], c["event_id"]) for c in report["corrections"]]),
        ReportTable("lists", "List entries", ("list", "grounds", "legal basis", "authority",
                                              "from", "until", "status", "dispute"),
                    [(e["list_id"], e["grounds"], e["legal_basis"], e["authority"],
                      readable_time(e["starts_at"]), readable_time(e["expires_at"] or e["removed_at"]),
                      e["status"], _marker(e["disputed"])) for e in report["lists"]]),
        ReportTable("scores", "Score history", ("model", "as of", "version", "score", "tier",
                                                "percentile", "unscorable", "main reasons"),
                    [tuple(_text(v) for v in s) for s in scores], "no score stored"),
        ReportTable("inquiries", "Who asked about you", ("when", "who", "purpose", "product",
                                                        "kind", "result"),
                    [(readable_time(i["asked_at"]), _text(i["party_name"] or i["party_id"]),
                      i["purpose"], _text(i["product_id"]), i["kind"],
                      i["result"] + (f" ({i['refusal_code']})" if i["refusal_code"] else ""))
                     for i in report["inquiries"]]),
        ReportTable("decisions", "Decisions about you", ("when", "who", "product", "purpose",
                                                         "outcome", "review"),
                    [(readable_time(d["decided_at"]), d["party_id"], d["product_id"], d["purpose"],
                      d["outcome"], _text(d["review"])) for d in report["decisions"]]),
        ReportTable("consents", "Your consents", ("party", "purpose", "granted", "until",
                                                  "status"),
                    [(c["party_id"], c["purpose"], readable_time(c["granted_at"]),
                      readable_time(c["expires_at"]), c["status"]) for c in report["consents"]]),
        ReportTable("disputes", "Your disputes", ("dispute", "record", "status", "opened",
                                                  "statement"),
                    [(_text(d.get("dispute_id")),
                      _text(d.get("event_id") or d.get("entry_id") or d.get("record")),
                      _text(d.get("status")), readable_time(d.get("opened_at")),
                      _text(d.get("statement"))) for d in report["disputes"]]),
        ReportTable("rewards", f"Rewards ({rewards['model']})", ("reward", "requirement",
                                                                 "status"),
                    [(r["name"], r["requirement"], "unlocked") for r in rewards["unlocked"]]
                    + [(r["name"], r["requirement"], "locked") for r in rewards["locked"]],
                    rewards.get("note") or "none"),
        ReportTable("notices", "Notices sent to you", ("when", "kind", "details"),
                    [(readable_time(n["created_at"]), n["kind"], _text(n["body"]))
                     for n in report["notices"]]),
    ]
