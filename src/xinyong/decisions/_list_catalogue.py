"""The list and restriction catalogues: what lists exist, on what grounds, with what effect.

Definitions are data (``products/lists.toml`` and ``products/restrictions.toml``). Loading
enforces red line 4 on the data itself: every list names the law it rests on; grounds are a
closed catalogue per list and none of them may be a score, a rating or a rank; a black list
gives notice before an entry takes effect; red lists carry benefits, never restrictions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field

from xinyong.decisions._data import Strict, read_data, validate
from xinyong.errors import XinyongError

# Words that would make a low score grounds for a listing (checked in codes and descriptions).
SCORE_WORDS = re.compile(r"\b(score|scores|scoring|rating|rated below|rank|ranking|tier|points)\b",
                          re.IGNORECASE)


class RestrictionSpec(Strict):
    description: str = Field(min_length=3)
    legal_basis: str = Field(min_length=3)


class ListSpec(Strict):
    name: str = Field(min_length=3)
    colour: Literal["black", "red"]
    description: str = ""
    applies_to: tuple[Literal["person", "organisation"], ...] = Field(min_length=1)
    authority_kind: str = Field(min_length=2)
    legal_basis: str = Field(min_length=3)
    grounds: dict[str, str] = Field(min_length=1)
    removal: dict[str, str] = Field(min_length=1)
    term_days: int | None = Field(default=None, gt=0)
    notice_days: int = Field(ge=0)
    restrictions: tuple[str, ...] = ()
    benefits: tuple[str, ...] = ()
    extends_to_legal_representative: bool = False
    publishable: bool = False
    escalates_to: str | None = None
    escalate_after_days: int | None = Field(default=None, gt=0)
    escalation_grounds: str | None = None


class _Lists(Strict):
    lists: dict[str, ListSpec]


class _Restrictions(Strict):
    restrictions: dict[str, RestrictionSpec]


@dataclass(frozen=True)
class ListCatalogue:
    lists: dict[str, ListSpec]
    restrictions: dict[str, RestrictionSpec]

    def get(self, list_id: str) -> ListSpec:
        try:
            return self.lists[list_id]
        except KeyError:
            raise XinyongError(
                "UNKNOWN_LIST", f"no list '{list_id}'; known: {', '.join(sorted(self.lists))}",
                field="list") from None

    def restriction(self, code: str) -> RestrictionSpec:
        try:
            return self.restrictions[code]
        except KeyError:
            raise XinyongError(
                "UNKNOWN_RESTRICTION",
                f"no restriction '{code}'; known: {', '.join(sorted(self.restrictions))}",
                field="restriction") from None


def _check(catalogue: ListCatalogue, where: str) -> None:
    def fail(key: str, code: str, message: str) -> None:
        raise XinyongError(code, f"{where}: {message}", field=key)

    for list_id, spec in catalogue.lists.items():
        key = f"lists.{list_id}"
        if not re.fullmatch(r"[a-z][a-z0-9-]{1,63}", list_id):
            fail(key, "LISTS_INVALID", "a list id has lower-case letters, digits and '-'")
        for code, text in spec.grounds.items():
            if SCORE_WORDS.search(code.replace("_", " ")) or SCORE_WORDS.search(text):
                fail(f"{key}.grounds.{code}", "SCORE_NOT_GROUNDS",
                     "a score, rating or rank is never grounds for a listing; grounds are "
                     "conduct established by the issuing authority")
        for code in spec.restrictions:
            if code not in catalogue.restrictions:
                fail(f"{key}.restrictions", "UNKNOWN_RESTRICTION",
                     f"'{code}' is not in the restrictions catalogue")
        if spec.colour == "red" and spec.restrictions:
            fail(f"{key}.restrictions", "LISTS_INVALID", "a red list grants benefits, it "
                 "restricts nothing")
        if spec.colour == "black" and spec.notice_days < 1:
            fail(f"{key}.notice_days", "LISTS_INVALID", "a black list notifies the subject at "
                 "least a day before an entry takes effect")
        escalation = (spec.escalates_to, spec.escalate_after_days, spec.escalation_grounds)
        if any(v is not None for v in escalation):
            if any(v is None for v in escalation):
                fail(f"{key}.escalates_to", "LISTS_INVALID", "escalation needs escalates_to, "
                     "escalate_after_days and escalation_grounds")
            target = catalogue.lists.get(str(spec.escalates_to))
            if target is None or spec.escalation_grounds not in target.grounds:
                fail(f"{key}.escalation_grounds", "LISTS_INVALID",
                     "escalation names a list and one of that list's grounds")


def parse_list_catalogue(
    lists: dict[str, object], restrictions: dict[str, object], *, where: str = "lists.toml"
) -> ListCatalogue:
    """Validate parsed ``lists`` and ``restrictions`` documents."""
    parsed_lists = validate(_Lists, dict(lists), what="lists", where=where)
    parsed_restrictions = validate(_Restrictions, dict(restrictions), what="restrictions",
                                   where="restrictions.toml")
    catalogue = ListCatalogue(parsed_lists.lists, parsed_restrictions.restrictions)
    _check(catalogue, where)
    return catalogue


@cache
def _shipped() -> ListCatalogue:
    lists, where = read_data("lists", what="lists")
    restrictions, _ = read_data("restrictions", what="restrictions")
    return parse_list_catalogue(lists, restrictions, where=where)


def list_catalogue(folder: Path | None = None) -> ListCatalogue:
    """The shipped catalogue, or the one in ``folder`` (``lists.toml``, ``restrictions.toml``)."""
    if folder is None:
        return _shipped()
    lists, where = read_data(folder / "lists.toml", what="lists")
    restrictions, _ = read_data(folder / "restrictions.toml", what="restrictions")
    return parse_list_catalogue(lists, restrictions, where=where)
