"""Per-subject data keys, kept outside the database, so that erasing a subject is deleting a key.

A person's name, birth date and address are encrypted in the database with a key of their own
(:mod:`xinyong.governance._identity`). The keys live in the platform home, never in the database
file::

    keys/subjects/00.keys … ff.keys   256 shards, by subject_key modulo 256

A shard is a 4-byte magic followed by fixed 40-byte records (the subject key as a big-endian
unsigned 64-bit integer, then the 32-byte AES-256 key), sorted by subject key. Every change
(creating a key or deleting one) rewrites the whole shard atomically: the new content goes to a
temporary file that is flushed to disk, renamed over the shard, and the directory is flushed too,
so that a crash leaves the old shard or the new one, never a mix. Only one process writes at a
time: the key store is written only by a process that holds the store's database open for
writing, which DuckDB grants to one process.

What deleting a key guarantees, and what it does not. Guaranteed: once :meth:`delete` returns,
no live file under ``keys/`` holds the key, so no copy of the database, backups included, can be
decrypted with what the home holds. Before the rename, the key's record in the current shard is
overwritten with zeros and flushed; that removes the bytes of that one file's blocks on a file
system that updates blocks in place (ext4, XFS), but it is not a secure deletion: every earlier
create or delete in the same shard wrote a complete copy of the shard, this key included, to a
temporary file that became the shard and was later replaced, and the blocks of those replaced
files were freed, not overwritten. Until the file system reuses them, those freed blocks can
still hold the key, readable by anyone with raw access to the disk. Copy-on-write file systems
(btrfs, ZFS), SSD wear levelling and remapping, file-system snapshots and backups keep old
copies too. So: keep ``keys/`` out of backups and snapshots (or let them expire sooner than an
erasure must take effect), put it on an encrypted volume, and treat a disk that held it as
holding keys until it is wiped or destroyed.

At national scale the keys would not be files at all: for 1.4 billion subjects each subject key
would be wrapped by a key-encryption key held in an HSM or a cloud KMS (envelope encryption, the
wrapped key stored beside the ciphertext), with subjects grouped into erasure cohorts whose
key-encryption key is rotated, and the old one destroyed inside the HSM, on a fixed schedule
(crypto-shredding): erasing a subject drops its wrapped key from the cohort before the rotation,
and the HSM's key destruction, which never leaves a copy on a general-purpose disk, is the
auditable proof. The embedded store keeps the simple, checkable version: plain keys in small
shard files, gone from the live files at once and from the disk only as far as said above.
"""

from __future__ import annotations

import os
import secrets
import struct
from pathlib import Path

from xinyong.errors import XinyongError

KEY_DIR = Path("keys") / "subjects"
KEY_BYTES = 32
SHARDS = 256
MAGIC = b"XYK1"
_RECORD = struct.Struct(">Q32s")
_ZERO_KEY = bytes(KEY_BYTES)


class SubjectKeyStore:
    """The per-subject keys of one platform home.

    >>> keys = SubjectKeyStore(home)  # doctest: +SKIP
    >>> key = keys.create(42); keys.get(42) == key; keys.delete(42); keys.get(42) is None
    """

    def __init__(self, home: Path) -> None:
        self.directory = home / KEY_DIR

    def shard_path(self, subject_key: int) -> Path:
        return self.directory / f"{subject_key % SHARDS:02x}.keys"

    def get(self, subject_key: int) -> bytes | None:
        """The subject's key, or None when it was never made or has been deleted."""
        return self._read(self.shard_path(subject_key)).get(subject_key)

    def create(self, subject_key: int) -> bytes:
        """The subject's key, made (and stored durably) if it does not exist yet."""
        path = self.shard_path(subject_key)
        records = self._read(path)
        if subject_key in records:
            return records[subject_key]
        key = secrets.token_bytes(KEY_BYTES)
        records[subject_key] = key
        self._write(path, records)
        return key

    def delete(self, subject_key: int) -> bool:
        """Remove the subject's key from the live shard; True if there was one. Deleting twice
        is harmless. Freed blocks of earlier shard files may still hold it (see the module)."""
        path = self.shard_path(subject_key)
        records = self._read(path)
        if subject_key not in records:
            return False
        self._zero_in_place(path, subject_key)
        del records[subject_key]
        self._write(path, records)
        return True

    # -- the shard file --------------------------------------------------------------------------
    def _read(self, path: Path) -> dict[int, bytes]:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise XinyongError("KEY_STORE_UNREADABLE", f"cannot read the subject key shard "
                               f"{path}: {exc}; check the home's keys/ directory",
                               field="home") from None
        body = data[len(MAGIC):]
        if not data.startswith(MAGIC) or len(body) % _RECORD.size:
            raise XinyongError("KEY_STORE_DAMAGED", f"the subject key shard {path} is damaged; "
                               "restore the home's keys/ directory (personal fields of the "
                               "subjects in this shard cannot be read without it)", field="home")
        records: dict[int, bytes] = {}
        for subject_key, key in _RECORD.iter_unpack(body):
            if key != _ZERO_KEY:
                records[subject_key] = key
        return records

    def _write(self, path: Path, records: dict[int, bytes]) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        content = MAGIC + b"".join(_RECORD.pack(k, records[k]) for k in sorted(records))
        temporary = path.with_suffix(".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(descriptor, content)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, path)
        self._sync_directory()

    def _zero_in_place(self, path: Path, subject_key: int) -> None:
        """Overwrite the subject's record with zeros where it lies in the current file (earlier,
        replaced copies of the shard are not reached)."""
        with open(path, "r+b") as handle:
            data = handle.read()
            offset = len(MAGIC)
            while offset + _RECORD.size <= len(data):
                if _RECORD.unpack_from(data, offset)[0] == subject_key:
                    handle.seek(offset)
                    handle.write(bytes(_RECORD.size))
                offset += _RECORD.size
            handle.flush()
            os.fsync(handle.fileno())

    def _sync_directory(self) -> None:
        descriptor = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
