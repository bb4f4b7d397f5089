"""Score attestations: a signed statement of a subject's score, for the subject to share.

The subject mints an attestation (their score, tier, scale, model and as-of date, with an
expiry) and gives it to anyone, who checks it offline against the platform's public key; any
change to a signed field breaks the Ed25519 signature. The attestation does not carry the
subject's ID, only a salted hash of it, so a verifier who is told the ID can check that the
attestation is about that subject, and nobody else learns it.

The signing key lives in the platform home (``keys/attest.key``, owner-only, created on first
use) beside ``keys/attest.pub``, the public key to hand out.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from xinyong.catalog.identifiers import identifier_scheme
from xinyong.decisions._access import authorise_self
from xinyong.decisions._adverse import provider_name
from xinyong.decisions._inquiries import record_inquiry
from xinyong.decisions._scores import cached_rulebook, latest_score
from xinyong.decisions._tables import tables, transaction, utcnow
from xinyong.errors import XinyongError
from xinyong.governance._audit import record_audit
from xinyong.store import Store

FORMAT = "xinyong-score-attestation/1"
PRIVATE_KEY = Path("keys") / "attest.key"
PUBLIC_KEY = Path("keys") / "attest.pub"
MAX_DAYS = 365


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(key: Ed25519PublicKey) -> str:
    """A short name of a public key: ``ed25519:`` and the first 16 bytes of its SHA-256."""
    return "ed25519:" + hashlib.sha256(_raw(key)).hexdigest()[:32]


def signing_key(home: Path) -> Ed25519PrivateKey:
    """The platform's signing key, created (owner-only) on first use."""
    path = home / PRIVATE_KEY
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first; its key wins
            return signing_key(home)
        with os.fdopen(descriptor, "wb") as handle:
            os.chmod(path, 0o600)
            handle.write(pem)
        (home / PUBLIC_KEY).write_bytes(public_key_pem(key.public_key()))
        return key
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise XinyongError("BAD_KEY", f"{path} is not an Ed25519 private key", field="key")
    return loaded


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public_key(data: bytes) -> Ed25519PublicKey:
    """A public key from PEM (``attest.pub``) or from a private key file's PEM."""
    try:
        if b"PRIVATE KEY" in data:
            private = serialization.load_pem_private_key(data, password=None)
            if isinstance(private, Ed25519PrivateKey):
                return private.public_key()
        else:
            public = serialization.load_pem_public_key(data)
            if isinstance(public, Ed25519PublicKey):
                return public
    except ValueError:
        pass
    raise XinyongError("BAD_KEY", "not an Ed25519 key in PEM form", field="public_key")


def canonical(payload: dict[str, Any]) -> bytes:
    """The signed bytes: the payload as sorted, compact UTF-8 JSON."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def subject_binding(nonce: str, normalised_id: str) -> str:
    return hashlib.sha256(f"{nonce}:{normalised_id}".encode()).hexdigest()


def mint_attestation(
    store: Store,
    subject_id: str,
    *,
    days: int = 30,
    model: str = "sesame-like",
    now: datetime | None = None,
) -> dict[str, Any]:
    """Sign the subject's current score for ``days``; the subject's own request, recorded."""
    if not 1 <= days <= MAX_DAYS:
        raise XinyongError("BAD_DAYS", f"an attestation lasts 1 to {MAX_DAYS} days",
                           field="days")
    access = authorise_self(store, subject_id, now=now)
    con = tables(store)
    score = latest_score(con, access.subject_key, model, access.asked_at)
    if score.score is None:
        raise XinyongError("UNSCORABLE", f"there is no score to attest "
                           f"({score.unscorable_reason})", field="subject_id")
    rulebook = cached_rulebook(model)
    key = signing_key(store.home)
    nonce = secrets.token_hex(16)
    issued = access.asked_at.replace(microsecond=0)
    payload = {
        "format": FORMAT,
        "attestation_id": secrets.token_hex(12),
        "issuer": provider_name(store),
        "key_id": fingerprint(key.public_key()),
        "subject": {"kind": access.subject_kind, "id_scheme": store.scheme.name,
                    "nonce": nonce,
                    "binding": subject_binding(nonce, store.scheme.validate(
                        access.subject_kind, subject_id))},
        "score": round(float(score.score), 6),
        "tier": score.tier,
        "scale": [rulebook.spec.scale.min, rulebook.spec.scale.max],
        "model": {"id": score.model_id, "version": score.model_version},
        "as_of": score.as_of.isoformat(),
        "issued_at": issued.isoformat() + "Z",
        "expires_at": (issued + timedelta(days=days)).isoformat() + "Z",
    }
    signature = key.sign(canonical(payload))
    with transaction(con):
        record_inquiry(con, subject_key=access.subject_key, party_id=access.party.party_id,
                       purpose=access.purpose.value, product_id="attestation", kind="soft",
                       asked_at=access.asked_at, result="disclosed")
        con.execute("INSERT INTO attestations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [payload["attestation_id"], access.subject_key, issued,
                     issued + timedelta(days=days), score.model_id, score.model_version,
                     score.as_of, score.score, payload["key_id"]])
        record_audit(con, "attestation.mint", actor="subject", subject_key=access.subject_key,
                     at=access.asked_at,
                     details={"attestation_id": payload["attestation_id"],
                              "model": score.model_id, "model_version": score.model_version,
                              "expires_at": payload["expires_at"], "key_id": payload["key_id"]})
    return {"payload": payload, "signature": base64.b64encode(signature).decode("ascii"),
            "public_key": base64.b64encode(_raw(key.public_key())).decode("ascii")}


@dataclass(frozen=True)
class AttestationCheck:
    valid: bool
    pinned: bool  # checked against a key the verifier trusts, not only the embedded one
    key_id: str | None
    problems: list[str] = field(default_factory=list)
    payload: dict[str, Any] | None = None


def verify_attestation(
    document: dict[str, Any] | str | bytes,
    *,
    trusted_key: Ed25519PublicKey | None = None,
    subject_id: str | None = None,
    now: datetime | None = None,
) -> AttestationCheck:
    """Check an attestation offline: signature, key, expiry, and optionally its subject."""
    try:
        doc = json.loads(document) if isinstance(document, str | bytes) else document
        payload = doc["payload"]
        signature = base64.b64decode(doc["signature"], validate=True)
        embedded = Ed25519PublicKey.from_public_bytes(
            base64.b64decode(doc["public_key"], validate=True))
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            raise ValueError("format")
    except (ValueError, KeyError, TypeError):
        return AttestationCheck(False, False, None, ["BAD_FORMAT: not a xinyong score "
                                                     "attestation"])
    problems: list[str] = []
    key = trusted_key or embedded
    if trusted_key is not None and _raw(trusted_key) != _raw(embedded):
        problems.append("KEY_MISMATCH: signed with a key other than the one you trust")
    try:
        key.verify(signature, canonical(payload))
    except InvalidSignature:
        problems.append("BAD_SIGNATURE: the attestation was changed after it was signed")
    if payload.get("key_id") != fingerprint(embedded):
        problems.append("BAD_KEY_ID: the key id does not match the signing key")
    moment = utcnow(now)
    try:
        issued = datetime.fromisoformat(str(payload["issued_at"]).removesuffix("Z"))
        expires = datetime.fromisoformat(str(payload["expires_at"]).removesuffix("Z"))
        if moment >= expires:
            problems.append(f"EXPIRED: the attestation expired at {expires:%Y-%m-%d %H:%M} UTC")
        if issued > moment + timedelta(days=1):
            problems.append("NOT_YET_VALID: issued in the future")
    except (KeyError, ValueError):
        problems.append("BAD_FORMAT: issued_at and expires_at are ISO timestamps")
    if subject_id is not None:
        subject = payload.get("subject") or {}
        try:
            scheme = identifier_scheme(str(subject.get("id_scheme")))
            normalised = scheme.validate(str(subject.get("kind")), subject_id)
            matches = subject_binding(str(subject.get("nonce")), normalised) == subject.get(
                "binding")
        except ValueError:
            matches = False
        if not matches:
            problems.append("SUBJECT_MISMATCH: the attestation is not about this subject")
    return AttestationCheck(not problems, trusted_key is not None, fingerprint(embedded),
                            problems, payload)
