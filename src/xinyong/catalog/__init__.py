"""The event catalogue, protected categories and subject identifiers."""

from xinyong.catalog._model import (
    AmountRule,
    Attribute,
    AttributeType,
    Catalogue,
    CatalogueError,
    EventType,
    Factor,
    ProtectedCategoryError,
    SubjectKind,
    default_catalogue,
    load_catalogue,
    parse_catalogue,
)
from xinyong.catalog._protected import protected_category

__all__ = [
    "AmountRule",
    "Attribute",
    "AttributeType",
    "Catalogue",
    "CatalogueError",
    "EventType",
    "Factor",
    "ProtectedCategoryError",
    "SubjectKind",
    "default_catalogue",
    "load_catalogue",
    "parse_catalogue",
    "protected_category",
]
