"""Human review of automated declines: the subject contests, a person decides, both recorded.

A subject may contest any declined decision once. The request joins a queue; a reviewer upholds
the decline or overturns it (to approve or refer), with a note. The automated decision itself is
never rewritten: the review records the final outcome beside it, and the subject is notified.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from xinyong.decisions._notices import notify
from xinyong.decisions._tables import next_id, tables, transaction, utcnow
from xinyong.errors import XinyongError
from xinyong.governance._audit import atomic, record_audit
from xinyong.store import Store, fetch_one

_COLUMNS = ("r.review_id, r.decision_id, r.requested_at, r.statement, r.status, r.reviewer, "
            "r.note, r.final_outcome, r.resolved_at, d.product_id, d.outcome, d.subject_key")


@dataclass(frozen=True)
class Review:
    review_id: int
    decision_id: int
    requested_at: datetime
    statement: str
    status: Literal["open", "upheld", "overturned"]
    reviewer: str | None
    note: str | None
    final_outcome: str | None
    resolved_at: datetime | None
    product_id: str
    automated_outcome: str
    subject_key: int

    def to_json(self) -> dict[str, Any]:
        return {k: v.isoformat() if isinstance(v, datetime) else v
                for k, v in asdict(self).items() if k != "subject_key"}


def get_review(store: Store, review_id: int) -> Review:
    row = fetch_one(tables(store).execute(
        f"SELECT {_COLUMNS} FROM decision_reviews AS r JOIN decisions AS d USING (decision_id) "
        "WHERE r.review_id = ?", [review_id]))
    if row is None:
        raise XinyongError("UNKNOWN_REVIEW", f"no review #{review_id}", field="review_id")
    return Review(*row)


def request_review(
    store: Store, decision_id: int, statement: str, *, now: datetime | None = None
) -> Review:
    """Contest an automated decline; the request joins the human-review queue."""
    con = tables(store)
    row = fetch_one(con.execute("SELECT outcome, subject_key FROM decisions "
                                "WHERE decision_id = ?", [decision_id]))
    if row is None:
        raise XinyongError("UNKNOWN_DECISION", f"no decision #{decision_id}",
                           field="decision_id")
    if row[0] != "decline":
        raise XinyongError("REVIEW_NOT_DECLINE", f"decision #{decision_id} was '{row[0]}'; only "
                           "declines are contested", field="decision_id")
    if not statement.strip() or len(statement) > 2000:
        raise XinyongError("BAD_STATEMENT", "say why the decision is wrong in 1 to 2000 "
                           "characters", field="statement")
    if fetch_one(con.execute("SELECT 1 FROM decision_reviews WHERE decision_id = ?",
                             [decision_id])):
        raise XinyongError("REVIEW_EXISTS", f"decision #{decision_id} is already under review "
                           "or was reviewed", field="decision_id")
    review_id = next_id(con, "review_ids")
    moment = utcnow(now)
    with atomic(con):
        con.execute("INSERT INTO decision_reviews (review_id, decision_id, requested_at, "
                    "statement, status) VALUES (?, ?, ?, ?, 'open')",
                    [review_id, decision_id, moment, statement.strip()])
        # The statement is the subject's own words: the entry names the review, not its text.
        record_audit(con, "review.request", actor="subject", subject_key=int(row[1]), at=moment,
                     details={"review_id": review_id, "decision_id": decision_id})
    return get_review(store, review_id)


def review_queue(store: Store) -> list[Review]:
    """Open reviews, oldest first."""
    rows = tables(store).execute(
        f"SELECT {_COLUMNS} FROM decision_reviews AS r JOIN decisions AS d USING (decision_id) "
        "WHERE r.status = 'open' ORDER BY r.requested_at, r.review_id").fetchall()
    return [Review(*r) for r in rows]


def resolve_review(
    store: Store,
    review_id: int,
    *,
    reviewer: str,
    outcome: Literal["upheld", "overturned"],
    note: str,
    final_outcome: Literal["approve", "refer"] = "approve",
    now: datetime | None = None,
) -> Review:
    """Record a reviewer's verdict: the decline upheld, or overturned to ``final_outcome``."""
    review = get_review(store, review_id)
    if review.status != "open":
        raise XinyongError("REVIEW_CLOSED", f"review #{review_id} was already {review.status}",
                           field="review_id")
    if outcome not in ("upheld", "overturned"):
        raise XinyongError("BAD_REVIEW_OUTCOME", "a review is 'upheld' or 'overturned'",
                           field="outcome")
    if not reviewer.strip() or not note.strip():
        raise XinyongError("REVIEW_INCOMPLETE", "a review names its reviewer and gives a note "
                           "the subject can read", field="note")
    final = "decline" if outcome == "upheld" else final_outcome
    moment = utcnow(now)
    con = tables(store)
    with transaction(con):
        con.execute("UPDATE decision_reviews SET status = ?, reviewer = ?, note = ?, "
                    "final_outcome = ?, resolved_at = ? WHERE review_id = ?",
                    [outcome, reviewer.strip(), note.strip(), final, moment, review_id])
        notify(con, review.subject_key, "review_outcome",
               {"decision_id": review.decision_id, "product": review.product_id,
                "review": outcome, "final_outcome": final, "note": note.strip()},
               at=moment, decision_id=review.decision_id)
        record_audit(con, "review.resolve", actor=reviewer.strip()[:128],
                     subject_key=review.subject_key, at=moment,
                     details={"review_id": review_id, "decision_id": review.decision_id,
                              "outcome": outcome, "final_outcome": final})
    return get_review(store, review_id)
