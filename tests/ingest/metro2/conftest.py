"""Shared fixtures: the Metro 2 conformance files and a byte-patching helper.

The conformance files live outside the repository, in ``/work/shared/conformance/metro2`` (next
to the repo); every test that needs them is skipped with the reason when the folder is absent.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.shared_data import shared_dir

CONFORMANCE = shared_dir() / "conformance" / "metro2"

# Offsets in the fixed-length sample: header 0–469, base record 470–1469 (base segment, then
# J1 at +426, J2 at +526, K3 at +726, L1 at +766, N1 at +820, 34 bytes of padding), trailer
# 1470–1895.
BASE = 470
TRAILER = 1470
J1 = BASE + 426
J2 = BASE + 526

# 0-based positions of base-segment fields from the start of the record (CDIA layout).
AT = {
    "account_number": 42, "portfolio_type": 72, "date_opened": 75, "highest_credit": 92,
    "account_status": 123, "payment_rating": 125, "payment_history_profile": 126,
    "compliance_condition_code": 152, "current_balance": 154, "original_charge_off_amount": 172,
    "date_account_information": 181, "ssn": 297, "ecoa_code": 324,
}  # fmt: skip
J_SSN, J_ECOA = 69, 96  # in a J1 or J2 segment


def conformance_file(name: str) -> bytes:
    if not CONFORMANCE.is_dir():
        pytest.skip(f"the Metro 2 conformance files are not at {CONFORMANCE}")
    return (CONFORMANCE / name).read_bytes()


@pytest.fixture
def fixed() -> bytes:
    return conformance_file("unpacked_fixed_file.dat")


@pytest.fixture
def variable() -> bytes:
    return conformance_file("unpacked_variable_file.dat")


@pytest.fixture
def packed() -> bytes:
    return conformance_file("packed_file.dat")


@pytest.fixture
def expected() -> dict[str, Any]:
    return json.loads(conformance_file("unpacked_fixed_file.json"))


Patch = Callable[..., bytes]


@pytest.fixture
def patch(fixed: bytes) -> Patch:
    """The fixed sample with bytes replaced: ``patch((offset, b"new"), …)``."""

    def patched(*changes: tuple[int, bytes], data: bytes = fixed) -> bytes:
        out = bytearray(data)
        for offset, new in changes:
            assert offset + len(new) <= len(out)
            out[offset:offset + len(new)] = new
        return bytes(out)

    return patched
