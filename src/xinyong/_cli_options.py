"""What every ``xinyong`` command shares: the ``--home`` and ``--json`` options, reading the dates
a person types, and printing JSON.

Each command group (ingest, decisions, governance, models, scale) builds its commands from these
so that a flag means the same thing, with the same help, everywhere, and a mistyped date is the
same ``BAD_DATE`` error naming the option it came from::

    >>> parse_date("2026-11-01", field="--as-of")
    datetime.date(2026, 11, 1)
    >>> parse_date("2026-11-31", field="--as-of")
    Traceback (most recent call last):
    xinyong.errors.XinyongError: BAD_DATE (--as-of): '2026-11-31' is not a date like 2026-11-01
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from xinyong.errors import XinyongError

__all__ = ["HomeOpt", "JsonOpt", "parse_date", "parse_moment", "print_json"]

HomeOpt = Annotated[
    Path | None,
    typer.Option("--home", help="Platform home (default: $XINYONG_HOME or ./.xinyong)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def parse_date(text: str, *, field: str, example: str = "2026-11-01") -> date:
    """The calendar day ``text`` names (YYYY-MM-DD), or ``BAD_DATE`` for the option ``field``.

    ``example`` is the date the error shows, chosen to fit the option (a birth date, an end date).
    """
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise XinyongError("BAD_DATE", f"'{text}' is not a date like {example}",
                           field=field) from None


def parse_moment(text: str, *, field: str) -> datetime:
    """The moment ``text`` names: a date (its midnight) or an ISO 8601 date-time."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise XinyongError("BAD_DATE", f"'{text}' is not a date like 2026-11-01 or a date-time "
                           "like 2026-11-01T09:00", field=field) from None


def print_json(value: Any, *, ensure_ascii: bool = True) -> None:
    """Write ``value`` to stdout as indented JSON; dates and other values print as text."""
    sys.stdout.write(json.dumps(value, indent=2, default=str, ensure_ascii=ensure_ascii) + "\n")
