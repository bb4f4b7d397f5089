"""Subject rights and governance: the audit chain, disputes, retention, personal data and
erasure, the subject report, fairness, drift and the comparison of models.

How the parts relate: every step below appends to the hash-chained audit log
(``_audit``; verified by ``_audit_verify``). Disputes (``_disputes``) take records out of
scoring through the store's ``scoring_exclusions``; retention (``_retention``) purges old
negative items when ``xinyong maintenance`` runs; personal fields are encrypted per subject
(``_identity``, keys in ``_subject_keys``) and read back only by the subject report
(``_report``). Audits read stored runs: fairness by protected group (``_fairness``, groups kept
apart in ``_groups``, products evaluated in bulk by ``_product_outcomes``), drift between two
runs (``_drift``) and model comparison (``_compare``).

Names are resolved on first use: the decisions package records audit entries and the audits
evaluate decisions' products, so importing everything here at once would be circular.

>>> from xinyong.governance import verify_chain                           # doctest: +SKIP
>>> verify_chain(store.con).ok                                            # doctest: +SKIP
True
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from xinyong.governance._audit import atomic, audit_entries, record_audit

if TYPE_CHECKING:
    from xinyong.governance._audit_verify import AuditVerification, verify_chain
    from xinyong.governance._compare import compare_models
    from xinyong.governance._disputes import (
        Dispute,
        answer_dispute,
        certify_record,
        list_disputes,
        open_dispute,
        subject_disputes,
        sweep_disputes,
    )
    from xinyong.governance._drift import score_drift
    from xinyong.governance._fairness import fairness_report
    from xinyong.governance._groups import Groups, clear_groups, load_groups_file, read_groups
    from xinyong.governance._identity import (
        Identity,
        erase_subject,
        read_identity,
        record_identity,
        set_enrollment,
    )
    from xinyong.governance._report import subject_report
    from xinyong.governance._retention import purge_expired

_LAZY = {
    "AuditVerification": "_audit_verify", "verify_chain": "_audit_verify",
    "compare_models": "_compare",
    "Dispute": "_disputes", "answer_dispute": "_disputes", "certify_record": "_disputes",
    "list_disputes": "_disputes", "open_dispute": "_disputes", "subject_disputes": "_disputes",
    "sweep_disputes": "_disputes",
    "score_drift": "_drift",
    "fairness_report": "_fairness",
    "Groups": "_groups", "clear_groups": "_groups", "load_groups_file": "_groups",
    "read_groups": "_groups",
    "Identity": "_identity", "erase_subject": "_identity", "read_identity": "_identity",
    "record_identity": "_identity", "set_enrollment": "_identity",
    "subject_report": "_report",
    "purge_expired": "_retention",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'xinyong.governance' has no attribute {name!r}")
    return getattr(import_module(f"xinyong.governance.{module}"), name)


__all__ = [
    "AuditVerification",
    "Dispute",
    "Groups",
    "Identity",
    "answer_dispute",
    "atomic",
    "audit_entries",
    "certify_record",
    "clear_groups",
    "compare_models",
    "erase_subject",
    "fairness_report",
    "list_disputes",
    "load_groups_file",
    "open_dispute",
    "purge_expired",
    "read_groups",
    "read_identity",
    "record_audit",
    "record_identity",
    "score_drift",
    "set_enrollment",
    "subject_disputes",
    "subject_report",
    "sweep_disputes",
    "verify_chain",
]
