"""Score attestations: minted by the subject, verified offline, any tampering detected."""

from __future__ import annotations

import copy
import json
import stat
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.decisions.conftest import NOW, World
from xinyong.decisions import (
    inquiry_history,
    load_public_key,
    mint_attestation,
    signing_key,
    verify_attestation,
)
from xinyong.decisions._attest import PRIVATE_KEY, PUBLIC_KEY, canonical
from xinyong.errors import XinyongError


@pytest.fixture
def minted(world: World) -> tuple[World, dict[str, Any]]:
    return world, mint_attestation(world.store, world.high, days=30, now=NOW)


def test_mint_and_verify(minted: tuple[World, dict[str, Any]]) -> None:
    world, doc = minted
    trusted = load_public_key((world.home / PUBLIC_KEY).read_bytes())
    check = verify_attestation(json.dumps(doc), trusted_key=trusted, subject_id=world.high,
                               now=NOW + timedelta(days=1))
    assert check.valid and check.pinned, check.problems
    payload = doc["payload"]
    assert payload["score"] == pytest.approx(848.348851)
    assert (payload["tier"], payload["scale"]) == ("excellent", [350.0, 950.0])
    assert world.high not in json.dumps(doc)  # only a salted hash of the ID
    (last,) = inquiry_history(world.store, world.key(world.high))
    assert (last.party_id, last.product_id, last.kind) == ("@subject", "attestation", "soft")


def test_the_key_is_created_once_owner_only(minted: tuple[World, dict[str, Any]]) -> None:
    world, doc = minted
    path = world.home / PRIVATE_KEY
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = mint_attestation(world.store, world.low, now=NOW)
    assert again["public_key"] == doc["public_key"]
    assert signing_key(world.home).public_key() == load_public_key(path.read_bytes())


@pytest.mark.parametrize(("field", "value"), [
    ("score", 950.0), ("tier", "excellent+"), ("expires_at", "2099-01-01T00:00:00Z"),
    ("as_of", "2026-11-30"), ("scale", [350, 1000]),
])
def test_tampering_is_detected(minted: tuple[World, dict[str, Any]], field: str,
                               value: object) -> None:
    _, doc = minted
    forged = copy.deepcopy(doc)
    forged["payload"][field] = value
    check = verify_attestation(forged, now=NOW)
    assert not check.valid
    assert any(p.startswith("BAD_SIGNATURE") for p in check.problems)


def test_a_forgery_with_another_key_fails_against_the_trusted_key(
        minted: tuple[World, dict[str, Any]]) -> None:
    world, doc = minted
    import base64

    forger = Ed25519PrivateKey.generate()
    forged = copy.deepcopy(doc)
    forged["payload"]["score"] = 950.0
    forged["signature"] = base64.b64encode(forger.sign(canonical(forged["payload"]))).decode()
    forged["public_key"] = base64.b64encode(forger.public_key().public_bytes_raw()).decode()
    unpinned = verify_attestation(forged, now=NOW)
    assert not unpinned.pinned  # a verifier without the platform's key learns nothing
    trusted = load_public_key((world.home / PUBLIC_KEY).read_bytes())
    check = verify_attestation(forged, trusted_key=trusted, now=NOW)
    assert not check.valid and any(p.startswith("KEY_MISMATCH") for p in check.problems)


def test_expiry_and_subject(minted: tuple[World, dict[str, Any]]) -> None:
    world, doc = minted
    late = verify_attestation(doc, now=NOW + timedelta(days=31))
    assert any(p.startswith("EXPIRED") for p in late.problems)
    other = verify_attestation(doc, subject_id=world.low, now=NOW)
    assert any(p.startswith("SUBJECT_MISMATCH") for p in other.problems)
    garbage = verify_attestation("{not json", now=NOW)
    assert garbage.problems[0].startswith("BAD_FORMAT")


def test_no_attestation_without_a_score(world: World) -> None:
    with pytest.raises(XinyongError) as caught:
        mint_attestation(world.store, world.thin, now=NOW)
    assert caught.value.code == "UNSCORABLE"
