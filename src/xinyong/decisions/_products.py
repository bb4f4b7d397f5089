"""Products as data: decision tables over a subject's score, factors and list entries.

A product file (TOML, ``products/*.toml``) has a ``[product]`` header (model, hard or soft
inquiry, subject kinds, hit policy, default outcome) and ``[[rows]]``, each a condition
(:class:`Condition`) and an outcome: ``approve``, ``decline`` or ``refer``. Nothing else: a
product can refuse a service, it cannot punish (red line 4).

Hit policies, as in DMN decision tables:

``first``    the first row whose condition holds decides; the trace is that row;
``collect``  every row whose condition holds fires; the most severe outcome wins
             (decline > refer > approve); the trace is every row that fired.

When no row fires the product's ``default`` decides, with its ``default_reason`` as the trace.
Which purposes a product may serve is not the product's to say: the jurisdiction profile says.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from xinyong.decisions._conditions import Condition, Facts
from xinyong.decisions._data import Strict, read_data, validate
from xinyong.decisions._list_catalogue import ListCatalogue, list_catalogue
from xinyong.decisions._scores import cached_rulebook
from xinyong.errors import XinyongError

Outcome = Literal["approve", "decline", "refer"]
SEVERITY: dict[str, int] = {"approve": 0, "refer": 1, "decline": 2}
DEFAULT_ROW = "default"


class ProductRow(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]{1,40}$")
    when: Condition = Condition()
    outcome: Outcome
    reason: str = Field(min_length=3)


class ProductInfo(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]{1,40}$")
    version: str
    name: str = Field(min_length=3)
    description: str = ""
    model: str = "sesame-like"
    inquiry: Literal["hard", "soft"]
    subject_kinds: tuple[Literal["person", "organisation"], ...] = ("person",)
    hit_policy: Literal["first", "collect"]
    default: Outcome
    default_reason: str = Field(min_length=3)


class ProductSpec(Strict):
    product: ProductInfo
    rows: tuple[ProductRow, ...] = Field(min_length=1)


@dataclass(frozen=True)
class FiredRow:
    row: str
    outcome: Outcome
    when: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"row": self.row, "outcome": self.outcome, "when": self.when,
                "reason": self.reason}


@dataclass(frozen=True)
class Product:
    spec: ProductSpec

    @property
    def id(self) -> str:
        return self.spec.product.id

    @property
    def version(self) -> str:
        return self.spec.product.version

    @property
    def info(self) -> ProductInfo:
        return self.spec.product

    def evaluate(self, facts: Facts) -> tuple[Outcome, list[FiredRow]]:
        """The outcome for these facts and the rows that fired (the decision's trace)."""
        fired: list[FiredRow] = []
        for row in self.spec.rows:
            if row.when.holds(facts):
                fired.append(FiredRow(row.id, row.outcome, row.when.describe(), row.reason))
                if self.info.hit_policy == "first":
                    break
        if not fired:
            info = self.info
            return info.default, [FiredRow(DEFAULT_ROW, info.default, "no row fired",
                                           info.default_reason)]
        outcome = max((f.outcome for f in fired), key=lambda o: SEVERITY[o])
        return outcome, fired


def parse_product(data: dict[str, Any], *, where: str = "product",
                  catalogue: ListCatalogue | None = None) -> Product:
    """Validate a parsed product document against the list catalogue and its model."""
    catalogue = catalogue or list_catalogue()
    spec = validate(ProductSpec, data, what="product", where=where)
    rulebook = cached_rulebook(spec.product.model)
    tiers = {t.name for t in rulebook.spec.tiers}
    seen: set[str] = set()
    for i, row in enumerate(spec.rows):
        key = f"rows[{i}]"
        if row.id in seen or row.id == DEFAULT_ROW:
            raise XinyongError("PRODUCT_INVALID", f"{where}: row id '{row.id}' is used twice "
                               "or reserved", field=f"{key}.id")
        seen.add(row.id)
        when = row.when
        for list_id in (when.on_list, when.not_on_list):
            if list_id is not None and list_id not in catalogue.lists:
                raise XinyongError("PRODUCT_INVALID", f"{where}: no list '{list_id}'",
                                   field=f"{key}.when")
        if when.restricted is not None and when.restricted not in catalogue.restrictions:
            raise XinyongError("PRODUCT_INVALID", f"{where}: no restriction "
                               f"'{when.restricted}'", field=f"{key}.when.restricted")
        unknown = set(when.tier_in or ()) - tiers
        if unknown:
            raise XinyongError("PRODUCT_INVALID", f"{where}: {rulebook.id} has no tier "
                               f"{', '.join(sorted(unknown))}", field=f"{key}.when.tier_in")
    return Product(spec)


@cache
def _shipped(name: str) -> Product:
    data, where = read_data(name, what="product")
    return parse_product(data, where=where)


def load_product(name_or_path: str | Path) -> Product:
    """A shipped product by id (``pay-later``) or any product file by path."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        data, where = read_data(path, what="product")
        return parse_product(data, where=where)
    return _shipped(str(name_or_path))
