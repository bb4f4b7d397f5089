"""Domain errors shared by every part of xinyong.

Every error a user can cause carries a stable ``code`` (for programs), the ``field`` and
``position`` it concerns where there is one, and a sentence a person can act on. The CLI prints
these without a traceback; the API will map them to 4xx responses.
"""

from __future__ import annotations


class XinyongError(Exception):
    """A user-facing error with a stable code.

    >>> str(XinyongError("UNKNOWN_MODEL", "no model 'x'; known: sesame-like", field="model"))
    "UNKNOWN_MODEL (model): no model 'x'; known: sesame-like"
    """

    def __init__(
        self, code: str, message: str, *, field: str | None = None, position: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.position = position

    def __str__(self) -> str:
        where = ", ".join(part for part in (self.field, self.position) if part)
        return f"{self.code} ({where}): {self.message}" if where else f"{self.code}: {self.message}"

    def as_dict(self) -> dict[str, str | None]:
        return {
            "code": self.code,
            "field": self.field,
            "position": self.position,
            "message": self.message,
        }
