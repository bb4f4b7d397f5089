"""Property tests: no input makes the reader or the mapping fail with anything but Metro2FileError.

Inputs are random bytes (bare, or behind a plausible first descriptor word) and valid files —
the conformance samples when present, and generated files always — mutated by flipping,
inserting and deleting bytes, cutting them short, and overwriting descriptor words.
"""

from __future__ import annotations

from typing import Final

import pyarrow.compute as pc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ingest.metro2.conftest import CONFORMANCE
from xinyong.ingest.metro2 import (
    EVENT_SCHEMA,
    Metro2FileError,
    metro2_fixed_bytes,
    metro2_to_events,
    read_metro2,
)

SETTINGS: Final = settings(max_examples=300, deadline=None,
                           suppress_health_check=[HealthCheck.too_slow])


def _samples() -> dict[str, bytes]:
    samples = {"generated": metro2_fixed_bytes(3, seed=5, associate_share=0.7)}
    if CONFORMANCE.is_dir():
        for name in ("unpacked_fixed_file.dat", "unpacked_variable_file.dat", "packed_file.dat"):
            samples[name] = (CONFORMANCE / name).read_bytes()
    return samples


SAMPLES: Final = _samples()


def _descriptor_offsets(data: bytes) -> list[int]:
    """Where the sample's RDWs (and the packed sample's BDWs) are."""
    file = read_metro2(data)
    records = [file.header, *file.bases, file.trailer]
    offsets = [record.offset for record in records if record is not None]
    return sorted({o for offset in offsets for o in (offset, offset - 4) if o >= 0})


DESCRIPTORS: Final = {name: _descriptor_offsets(data) for name, data in SAMPLES.items()}


def check(data: bytes) -> None:
    """Read and map ``data``: either a clean Metro2FileError or a coherent result."""
    try:
        file = read_metro2(data)
    except Metro2FileError as error:
        assert error.code.startswith("M2_") and error.message
        assert 0 <= error.offset <= len(data)
        return
    for issue in file.issues:
        assert issue.code.startswith("M2_") and issue.message
        assert 0 <= issue.offset <= len(data), issue
        assert issue.record >= 0
    table, issues = metro2_to_events(file, furnisher="fuzz")
    assert table.schema.equals(EVENT_SCHEMA)
    assert all(issue.code.startswith("M2_") for issue in issues)
    if table.num_rows:
        assert pc.count_distinct(table["event_id"]).as_py() == table.num_rows
        assert pc.max(pc.utf8_length(table["event_id"])).as_py() <= 64


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    name = draw(st.sampled_from(sorted(SAMPLES)))
    data = bytearray(SAMPLES[name])
    for _ in range(draw(st.integers(1, 5))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["flip", "insert", "delete", "cut", "descriptor", "digits"]))
        if kind == "flip":
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=40))
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 60))]
        elif kind == "cut":
            del data[at:]
        else:
            where = draw(st.sampled_from(DESCRIPTORS[name]))
            if kind == "descriptor":
                word = draw(st.binary(min_size=4, max_size=4))
            else:
                word = f"{draw(st.integers(0, 9999)):04d}".encode()
            data[where:where + 4] = word
    return bytes(data)


def _behind_descriptor(body: bytes, word: int, packed: bool) -> bytes:
    if packed:
        return (word % 65536).to_bytes(2, "big") + b"\0\0" + body
    return f"{word % 10000:04d}".encode() + body


@SETTINGS
@given(st.binary(max_size=2000))
def test_random_bytes(data: bytes) -> None:
    check(data)


@SETTINGS
@given(st.binary(max_size=1500), st.integers(0, 70000), st.booleans(),
       st.sampled_from([b"", b"HEADER", b"TRAILER", b"1", b"\n"]))
def test_random_bytes_behind_a_descriptor_word(body: bytes, word: int, packed: bool,
                                               marker: bytes) -> None:
    check(_behind_descriptor(marker + body, word, packed))


@SETTINGS
@given(mutated())
def test_mutated_valid_files(data: bytes) -> None:
    check(data)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 40), st.integers(0, 2**31), st.floats(0, 1))
def test_generated_files_are_valid(accounts: int, seed: int, share: float) -> None:
    file = read_metro2(metro2_fixed_bytes(accounts, seed=seed, associate_share=share))
    assert file.issues == ()
    assert len(file.bases) == accounts
    table, issues = metro2_to_events(file, furnisher="fuzz")
    assert issues == []
    assert pc.count_distinct(table["event_id"]).as_py() == table.num_rows
