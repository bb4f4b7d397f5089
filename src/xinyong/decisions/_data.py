"""Shipped data files (``products/`` at the repository root) and their validation.

Products, lists, restrictions and rewards are data, like rulebooks: TOML files checked by
pydantic models that forbid unknown keys. A file is found by name among the shipped ones or
by path; an error names the file and the key at fault.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from xinyong.errors import XinyongError

M = TypeVar("M", bound=BaseModel)

CATALOGUE_FILES = frozenset({"lists", "restrictions", "rewards"})


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def shipped_folder() -> Traversable:
    return resources.files("xinyong.decisions").joinpath("products")


def shipped_products() -> list[str]:
    """The ids of the shipped products (every data file that is not a catalogue)."""
    names = (p.name.removesuffix(".toml") for p in shipped_folder().iterdir()
             if p.name.endswith(".toml"))
    return sorted(n for n in names if n not in CATALOGUE_FILES)


def read_data(name_or_path: str | Path, *, what: str) -> tuple[dict[str, Any], str]:
    """The parsed TOML of a shipped file (by name) or of any file (by path), and where it was."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.exists():
            raise XinyongError(f"{what.upper()}_NOT_FOUND", f"no file {path}", field=what)
        text, where = path.read_text("utf-8"), str(path)
    else:
        shipped = shipped_folder().joinpath(f"{name_or_path}.toml")
        if not shipped.is_file() or (str(name_or_path) in CATALOGUE_FILES and what == "product"):
            known = ", ".join(shipped_products()) if what == "product" else ""
            raise XinyongError(f"UNKNOWN_{what.upper()}",
                               f"no {what} '{name_or_path}'" + (f"; shipped: {known}" if known
                                                                 else ""), field=what)
        text, where = shipped.read_text("utf-8"), f"{name_or_path}.toml"
    try:
        return tomllib.loads(text), where
    except tomllib.TOMLDecodeError as exc:
        raise XinyongError(f"{what.upper()}_SYNTAX", f"{where}: {exc}", field=what) from None


def validate(model: type[M], data: dict[str, Any], *, what: str, where: str) -> M:
    """``model`` validated from ``data``; the first error names its key."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        raise XinyongError(f"{what.upper()}_INVALID", f"{where}: {first['msg']}",
                           field=key or what) from None
