"""Any sequence of promotions and retirements keeps exactly one champion per subject kind.

A hypothesis state machine drives the registry with random promote/retire calls (valid or not)
and checks it against a plain-Python model of the rules after every step: the statuses agree,
a refused call changes nothing, ``model_champions`` names the one champion of each kind, a
champion is never retired, and every change that happened has its audit entry.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from tests.scoring.registry.conftest import CARD_ID, late_bills_card
from xinyong.errors import XinyongError
from xinyong.scoring.registry import promote, register_model, registered_models, retire
from xinyong.scoring.scorecard import save_scorecard
from xinyong.store import Store

MODELS = ("sesame-like", "rongcheng-like", CARD_ID)
KINDS = ("person", "organisation")


class RegistryMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="registry-"))
        self.store = Store.init(self.folder / "home")
        save_scorecard(late_bills_card(), self.store.home)
        register_model(self.store, CARD_ID, subject_kind="person")
        self.expected = {("sesame-like", k): "champion" for k in KINDS}
        self.expected |= {("rongcheng-like", k): "draft" for k in KINDS}
        self.expected[(CARD_ID, "person")] = "draft"
        self.changes = 1  # the registration above

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _targets(self, model: str, kind: str | None) -> list[tuple[str, str]] | None:
        keys = [(model, k) for k in KINDS if (model, k) in self.expected
                and (kind is None or k == kind)]
        return keys or None

    @rule(model=st.sampled_from(MODELS), to=st.sampled_from(["shadow", "champion"]),
          kind=st.sampled_from([None, *KINDS]))
    def promote_model(self, model: str, to: str, kind: str | None) -> None:
        targets = self._targets(model, kind)
        allowed = targets is not None and all(
            self.expected[t] != to and (to != "champion" or self.expected[t] == "shadow")
            and (to != "shadow" or self.expected[t] != "champion") for t in targets)
        try:
            promote(self.store, model, to, subject_kind=kind)
        except XinyongError:
            assert not allowed
            return
        assert allowed and targets is not None
        for key in targets:
            if to == "champion":
                for other, status in list(self.expected.items()):
                    if other[1] == key[1] and status == "champion":
                        self.expected[other] = "shadow"
            self.expected[key] = to
            self.changes += 1

    @rule(model=st.sampled_from(MODELS), kind=st.sampled_from([None, *KINDS]))
    def retire_model(self, model: str, kind: str | None) -> None:
        targets = self._targets(model, kind)
        allowed = targets is not None and all(
            self.expected[t] not in ("champion", "retired") for t in targets)
        try:
            retire(self.store, model, subject_kind=kind)
        except XinyongError:
            assert not allowed
            return
        assert allowed and targets is not None
        for key in targets:
            self.expected[key] = "retired"
            self.changes += 1

    @invariant()
    def statuses_match_the_rules(self) -> None:
        actual = {(r.model_id, r.subject_kind): r.status for r in registered_models(self.store.con)}
        assert actual == self.expected

    @invariant()
    def one_champion_per_kind(self) -> None:
        rows = self.store.con.execute(
            "SELECT CAST(subject_kind AS VARCHAR), model_id FROM model_champions").fetchall()
        pointer = dict(rows)
        for kind in KINDS:
            champions = [m for (m, k), s in self.expected.items() if k == kind and s == "champion"]
            assert champions == [pointer[kind]]

    @invariant()
    def every_change_is_audited(self) -> None:
        rows = self.store.con.execute("SELECT COUNT(*) FROM audit_log").fetchall()
        assert rows[0][0] == self.changes


RegistryMachine.TestCase.settings = settings(max_examples=30, stateful_step_count=12,
                                             deadline=None)
TestRegistryMachine = RegistryMachine.TestCase
