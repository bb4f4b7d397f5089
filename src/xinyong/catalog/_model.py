"""The typed event catalogue: factors, subject kinds, attributes and event types.

A catalogue is data (``event_types.toml``) validated on load: every type names one of the five
factors, declares the attributes it carries (each declared once with one type), and no name or
category value may fall in a protected category. The store derives its typed attribute columns
from the catalogue, and the scoring SQL reads them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

from xinyong.catalog._protected import protected_category
from xinyong.errors import XinyongError


class Factor(StrEnum):
    """The five dimensions of a score."""

    CREDIT_HISTORY = "credit_history"
    FULFILMENT_CAPACITY = "fulfilment_capacity"
    BEHAVIOUR_PREFERENCE = "behaviour_preference"
    IDENTITY_TRAITS = "identity_traits"
    RELATIONSHIPS = "relationships"


class SubjectKind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"


class AttributeType(StrEnum):
    INTEGER = "integer"
    DECIMAL = "decimal"
    CATEGORY = "category"
    SUBJECT_REF = "subject_ref"


class AmountRule(StrEnum):
    REQUIRED = "required"
    OPTIONAL = "optional"
    NONE = "none"


class CatalogueError(XinyongError):
    """A catalogue file that cannot be loaded; ``field`` names the offending key."""


class ProtectedCategoryError(CatalogueError):
    """A name or value that would bring protected data (opinion, belief, health …) in."""


@dataclass(frozen=True)
class Attribute:
    name: str
    type: AttributeType
    description: str = ""
    values: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None

    @property
    def sql_type(self) -> str:
        return {
            AttributeType.INTEGER: "INTEGER",
            AttributeType.DECIMAL: "DOUBLE",
            AttributeType.CATEGORY: "VARCHAR",
            AttributeType.SUBJECT_REF: "VARCHAR",
        }[self.type]


@dataclass(frozen=True)
class EventType:
    name: str
    factor: Factor
    category: str
    applies_to: frozenset[SubjectKind]
    amount: AmountRule
    attributes: tuple[Attribute, ...] = ()
    required: frozenset[str] = field(default_factory=frozenset)
    description: str = ""

    def attribute(self, name: str) -> Attribute | None:
        return next((a for a in self.attributes if a.name == name), None)


@dataclass(frozen=True)
class Catalogue:
    """The closed set of event types. Iterate it in declaration order."""

    types: dict[str, EventType]
    attributes: dict[str, Attribute]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.types.values())

    def __len__(self) -> int:
        return len(self.types)

    def __contains__(self, name: object) -> bool:
        return name in self.types

    def get(self, name: str) -> EventType:
        try:
            return self.types[name]
        except KeyError:
            raise XinyongError(
                "EVENT_TYPE_UNKNOWN",
                f"'{name}' is not in the event catalogue; run `xinyong catalog` to list the "
                "event types furnishers may report",
                field="event_type",
            ) from None

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {
                "name": t.name,
                "factor": t.factor.value,
                "category": t.category,
                "applies_to": sorted(k.value for k in t.applies_to),
                "amount": t.amount.value,
                "attributes": [
                    {
                        "name": a.name,
                        "type": a.type.value,
                        "required": a.name in t.required,
                        **({"values": list(a.values)} if a.values else {}),
                    }
                    for a in t.attributes
                ],
                "description": t.description,
            }
            for t in self.types.values()
        ]


def _refuse_protected(name: str, key: str) -> None:
    category = protected_category(name)
    if category is not None:
        raise ProtectedCategoryError(
            "PROTECTED_CATEGORY",
            f"'{name}' would bring {category} data into the catalogue; xinyong never records "
            "opinion, belief, ethnicity, union membership, health, sex life, genetic or "
            "biometric data, speech, media choices or location traces",
            field=key,
        )


def _enum(cls: type[StrEnum], value: Any, key: str) -> Any:
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(m.value for m in cls)
        raise CatalogueError(
            "CATALOGUE_VALUE", f"'{value}' is not one of: {allowed}", field=key
        ) from None


def parse_catalogue(data: dict[str, Any]) -> Catalogue:
    """Validate a parsed catalogue document (see ``event_types.toml``)."""
    attributes: dict[str, Attribute] = {}
    for name, spec in data.get("attributes", {}).items():
        key = f"attributes.{name}"
        _refuse_protected(name, key)
        values = tuple(spec.get("values", ()))
        for value in values:
            _refuse_protected(value, f"{key}.values")
        attributes[name] = Attribute(
            name=name,
            type=_enum(AttributeType, spec.get("type"), f"{key}.type"),
            description=spec.get("description", ""),
            values=values,
            minimum=spec.get("minimum"),
            maximum=spec.get("maximum"),
        )
    if "amount" in attributes:
        raise CatalogueError(
            "CATALOGUE_VALUE", "'amount' is a column of every event, not an attribute",
            field="attributes.amount",
        )
    types: dict[str, EventType] = {}
    for name, spec in data.get("types", {}).items():
        key = f'types."{name}"'
        _refuse_protected(name, key)
        if name.count(".") != 1:
            raise CatalogueError(
                "CATALOGUE_NAME", "event type names are 'noun.verb', e.g. 'bill.paid_late'",
                field=key,
            )
        _refuse_protected(spec.get("category", ""), f"{key}.category")
        attrs = []
        for attr_name in spec.get("attributes", []):
            if attr_name not in attributes:
                _refuse_protected(attr_name, f"{key}.attributes")
                raise CatalogueError(
                    "CATALOGUE_ATTRIBUTE",
                    f"attribute '{attr_name}' is not declared under [attributes]",
                    field=f"{key}.attributes",
                )
            attrs.append(attributes[attr_name])
        required = frozenset(spec.get("required", []))
        if not required <= {a.name for a in attrs}:
            raise CatalogueError(
                "CATALOGUE_ATTRIBUTE",
                "every required attribute must also be listed in 'attributes'",
                field=f"{key}.required",
            )
        applies = spec.get("applies_to", [])
        if not applies:
            raise CatalogueError(
                "CATALOGUE_VALUE", "applies_to needs 'person' and/or 'organisation'",
                field=f"{key}.applies_to",
            )
        types[name] = EventType(
            name=name,
            factor=_enum(Factor, spec.get("factor"), f"{key}.factor"),
            category=spec.get("category", ""),
            applies_to=frozenset(_enum(SubjectKind, k, f"{key}.applies_to") for k in applies),
            amount=_enum(AmountRule, spec.get("amount", "optional"), f"{key}.amount"),
            attributes=tuple(attrs),
            required=required,
            description=spec.get("description", ""),
        )
    return Catalogue(types=types, attributes=attributes)


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Load a catalogue file, or the shipped one when ``path`` is None."""
    if path is None:
        text = resources.files("xinyong.catalog").joinpath("event_types.toml").read_text("utf-8")
    else:
        text = path.read_text("utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError("CATALOGUE_SYNTAX", str(exc), field=str(path or "catalogue")) from exc
    return parse_catalogue(data)


_DEFAULT: Catalogue | None = None


def default_catalogue() -> Catalogue:
    """The shipped catalogue, loaded once."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_catalogue()
    return _DEFAULT
