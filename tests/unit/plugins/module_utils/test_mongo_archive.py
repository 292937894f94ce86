# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The mongodump archive manifest on synthetic archives, built here byte by byte with a small BSON
encoder the way mongo-tools' multiplexer writes them (magic, prelude, interleaved namespace
segments, EOF headers carrying a CRC-64 of the namespace's documents)."""

from __future__ import annotations

import gzip
import hashlib
import io
import struct
import typing as t

import pytest

from ansible_collections.nova.dgx.plugins.module_utils._mongo_archive import ArchiveError, crc64, manifest

MAGIC = bytes.fromhex("6de29981")  # 0x8199e26d little-endian, mongo-tools common/archive/spec.md
TERMINATOR = b"\xff\xff\xff\xff"


class Int64(int):
    """An int the encoder writes as BSON int64 (type 0x12), as mongo-tools writes the CRC."""


def bson(*fields: tuple[str, t.Any]) -> bytes:
    """A BSON document of (key, value) pairs: str, bool, int (int32), Int64, float, nested tuples."""
    body = b""
    for key, value in fields:
        name = key.encode() + b"\0"
        if isinstance(value, bool):
            body += b"\x08" + name + (b"\x01" if value else b"\x00")
        elif isinstance(value, Int64):
            body += b"\x12" + name + struct.pack("<q", value)
        elif isinstance(value, int):
            body += b"\x10" + name + struct.pack("<i", value)
        elif isinstance(value, float):
            body += b"\x01" + name + struct.pack("<d", value)
        elif isinstance(value, str):
            text = value.encode() + b"\0"
            body += b"\x02" + name + struct.pack("<i", len(text)) + text
        elif isinstance(value, tuple):
            body += b"\x03" + name + bson(*value)
        else:
            raise TypeError(type(value))
    return struct.pack("<i", len(body) + 5) + body + b"\0"


def crc64_bitwise(data: bytes) -> int:
    """CRC-64/XZ (ECMA-182 polynomial, reflected, inverted in and out), bit by bit: what Go's
    hash/crc64 with crc64.ECMA computes; its check value for "123456789" is 995dc9bbdf1939fa."""
    crc = 0xFFFFFFFFFFFFFFFF
    for byte in data:
        crc ^= byte
        for _bit in range(8):
            crc = (crc >> 1) ^ 0xC96C5795D7870F42 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFFFFFFFFFF


def header(db: str, collection: str, eof: bool = False, crc: int = 0) -> bytes:
    signed = crc - (1 << 64) if crc >= 1 << 63 else crc  # BSON has int64 only; mongo-tools stores the uint64's bits
    return bson(("db", db), ("collection", collection), ("EOF", eof), ("CRC", Int64(signed)))


def doc(n: int, text: str = "") -> bytes:
    return bson(("_id", n), ("name", f"document {n}{text}"), ("score", n / 3), ("tags", (("a", "x"), ("b", True))))


def prelude(*namespaces: str) -> bytes:
    out = MAGIC + bson(("concurrent_collections", 4), ("version", "0.1"), ("server_version", "8.0.4"), ("tool_version", "100.10.0"))
    for namespace in namespaces:
        db, collection = namespace.split(".", 1)
        out += bson(("db", db), ("collection", collection), ("metadata", '{"indexes":[]}'), ("size", 0), ("type", "collection"))
    return out + TERMINATOR


def archive(*blocks: tuple) -> bytes:
    """Blocks ("seg", "db.coll", [documents]) and ("eof", "db.coll"); EOF headers get the CRC-64
    of the namespace's documents written so far, as mongodump's multiplexer computes it."""
    names = sorted({block[1] for block in blocks})
    out = prelude(*names)
    written: dict[str, bytes] = {name: b"" for name in names}
    for block in blocks:
        db, collection = block[1].split(".", 1)
        if block[0] == "seg":
            out += header(db, collection) + b"".join(block[2]) + TERMINATOR
            written[block[1]] += b"".join(block[2])
        else:
            out += header(db, collection, eof=True, crc=crc64_bitwise(written[block[1]])) + TERMINATOR
    return out


def expected(documents: list[bytes]) -> str:
    return str(sum(int.from_bytes(hashlib.sha256(d).digest()[:8], "big") for d in documents))


A = [doc(1), doc(2), doc(3, "x" * 300)]
B = [doc(10), doc(11)]
INTERLEAVED = archive(("seg", "nova.a", A[:2]), ("seg", "nova.b", B[:1]), ("seg", "nova.a", A[2:]), ("eof", "nova.a"),
                      ("seg", "nova.b", B[1:]), ("eof", "nova.b"))
WANTED = {"collections": [{"name": "nova.a", "documents": 3, "hash": expected(A)}, {"name": "nova.b", "documents": 2, "hash": expected(B)}]}


class Trickle(io.RawIOBase):
    """A stream that hands out at most ``most`` bytes per read and records the sizes asked for."""

    def __init__(self, data: bytes, most: int = 7) -> None:
        self.data, self.at, self.most, self.asked = data, 0, most, []  # type: list[int]

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.asked.append(size)
        size = self.most if size is None or size < 0 else min(size, self.most)
        chunk = self.data[self.at:self.at + size]
        self.at += len(chunk)
        return chunk


def _manifest(data: bytes, **options: t.Any) -> dict:
    return manifest(io.BytesIO(data), **options)


def test_crc64_is_gos_crc64_ecma() -> None:
    assert crc64(b"123456789") == crc64_bitwise(b"123456789") == 0x995DC9BBDF1939FA
    assert crc64(b"56789", crc64(b"1234")) == crc64(b"123456789")
    assert crc64(b"") == 0


def test_interleaved_segments_count_and_hash_per_collection() -> None:
    assert _manifest(INTERLEAVED) == WANTED


def test_gzip_is_detected_and_gives_the_same_manifest() -> None:
    assert _manifest(gzip.compress(INTERLEAVED)) == WANTED
    # gzip(1) concatenates members; a reader must carry on into the next one.
    half = len(INTERLEAVED) // 2
    assert _manifest(gzip.compress(INTERLEAVED[:half]) + gzip.compress(INTERLEAVED[half:])) == WANTED


def test_the_hash_does_not_depend_on_document_order() -> None:
    reordered = archive(("seg", "nova.b", [B[1]]), ("seg", "nova.a", [A[2], A[0]]), ("seg", "nova.b", [B[0]]),
                        ("seg", "nova.a", [A[1]]), ("eof", "nova.b"), ("eof", "nova.a"))
    assert _manifest(reordered) == WANTED
    changed = archive(("seg", "nova.a", [A[0], A[1], doc(3, "y" * 300)]), ("eof", "nova.a"), ("seg", "nova.b", B), ("eof", "nova.b"))
    assert _manifest(changed)["collections"][0]["hash"] != WANTED["collections"][0]["hash"]


@pytest.mark.parametrize("compress", [False, True])
def test_the_stream_is_read_in_small_pieces(compress: bool) -> None:
    stream = Trickle(gzip.compress(INTERLEAVED) if compress else INTERLEAVED, most=1 if compress else 7)
    assert manifest(stream) == WANTED  # type: ignore[arg-type]
    assert max(stream.asked) <= 1 << 17


def test_empty_collections() -> None:
    # mongodump writes an empty segment then the EOF; an EOF alone is accepted too, as mongorestore does.
    data = archive(("seg", "nova.empty", []), ("eof", "nova.empty"), ("eof", "nova.none"), ("seg", "nova.a", A), ("eof", "nova.a"))
    assert _manifest(data)["collections"] == [{"name": "nova.a", "documents": 3, "hash": expected(A)},
                                              {"name": "nova.empty", "documents": 0, "hash": "0"},
                                              {"name": "nova.none", "documents": 0, "hash": "0"}]


def test_an_archive_without_collections() -> None:
    assert _manifest(prelude()) == {"collections": []}


def test_truncation_inside_a_document_names_the_namespace_and_offset() -> None:
    cut = INTERLEAVED.index(A[2]) + 100
    with pytest.raises(ArchiveError, match=rf"^namespace nova\.a: truncated at byte {cut}, inside a \d+-byte document that starts at "
                                           rf"byte {cut - 100} \(also unfinished: nova\.b\)$"):
        _manifest(INTERLEAVED[:cut])


@pytest.mark.parametrize("compress", [False, True])
def test_an_archive_cut_between_blocks_names_what_has_no_eof(compress: bool) -> None:
    cut = INTERLEAVED.index(header("nova", "a", eof=True, crc=crc64_bitwise(b"".join(A))))
    data = INTERLEAVED[:cut]
    with pytest.raises(ArchiveError, match=rf"^namespace nova\.a: truncated at byte {cut}, before its EOF header \(also unfinished: nova\.b\)$"):
        _manifest(gzip.compress(data) if compress else data)


def test_an_archive_cut_after_a_whole_namespace_names_what_the_prelude_still_lists() -> None:
    data = archive(("seg", "nova.a", A), ("eof", "nova.a"), ("seg", "nova.b", B), ("eof", "nova.b"))
    cut = data.index(header("nova", "b"))
    with pytest.raises(ArchiveError, match=rf"^namespace nova\.b: truncated at byte {cut}, before its EOF header \(the prelude lists it\)$"):
        _manifest(data[:cut])
    with pytest.raises(ArchiveError, match=rf"^namespace nova\.a: truncated at byte {len(prelude('nova.a', 'nova.b'))}, before its EOF header "
                                           r"\(the prelude lists it; also missing: nova\.b\)$"):
        _manifest(prelude("nova.a", "nova.b"))


@pytest.mark.parametrize("data_namespace", ["system.buckets.ts", "ts"])
def test_timeseries_data_comes_under_either_name(data_namespace: str) -> None:
    # Servers before 8.3 keep a timeseries collection's data in system.buckets.<name>; 8.3 on, in <name>.
    metadata = bson(("db", "nova"), ("collection", "ts"), ("metadata", "{}"), ("size", 0), ("type", "timeseries"))
    data = (prelude()[:-4] + metadata + TERMINATOR + header("nova", data_namespace) + A[0] + TERMINATOR
            + header("nova", data_namespace, eof=True, crc=crc64_bitwise(A[0])) + TERMINATOR)
    assert _manifest(data)["collections"] == [{"name": f"nova.{data_namespace}", "documents": 1, "hash": expected(A[:1])}]


def test_a_truncated_gzip_stream_names_the_namespace_too() -> None:
    compressed = gzip.compress(INTERLEAVED + doc(99, "z" * 5000), compresslevel=0)  # stored blocks: bytes in order
    cut = compressed.index(A[2]) + 50
    with pytest.raises(ArchiveError, match=r"^namespace nova\.a: truncated at byte \d+, inside a .*\(the gzip stream ends before its end marker\)$"):
        _manifest(compressed[:cut])
    whole_archive_cut_gzip = gzip.compress(INTERLEAVED, compresslevel=0)[:-8]  # the archive is whole, the gzip trailer is not
    with pytest.raises(ArchiveError, match=rf"^gzip: the compressed stream ends before its end marker "
                                           rf"\(the archive in it ends cleanly at byte {len(INTERLEAVED)}\)$"):
        _manifest(whole_archive_cut_gzip)


def test_a_damaged_gzip_stream_is_an_archive_error() -> None:
    compressed = bytearray(gzip.compress(INTERLEAVED))
    compressed[-8] ^= 0xFF  # the CRC-32 in the trailer
    with pytest.raises(ArchiveError, match="^gzip: "):
        _manifest(bytes(compressed))


def test_truncation_in_a_namespace_header_and_in_the_prelude() -> None:
    cut = INTERLEAVED.index(header("nova", "b")) + 10
    with pytest.raises(ArchiveError, match=rf"^namespace nova\.a: truncated at byte {cut}, inside the namespace header that starts at byte {cut - 10} "
                                           r"\(also unfinished: nova\.b\)$"):
        _manifest(INTERLEAVED[:cut])
    with pytest.raises(ArchiveError, match=r"^the prelude: truncated at byte 30, inside a \d+-byte document that starts at byte 4$"):
        _manifest(INTERLEAVED[:30])
    with pytest.raises(ArchiveError, match=r"^the prelude: truncated at byte \d+$"):
        _manifest(prelude("nova.a")[:-2])


@pytest.mark.parametrize(("data", "message"), [
    (b"", r"^not a mongodump archive: truncated at byte 0, inside its magic number$"),
    (bson(("a", 1)) + INTERLEAVED[4:], r"^not a mongodump archive: magic number 0c000000 at byte 0, not 6de29981 \(0x8199e26d little-endian\)$"),
    (INTERLEAVED[::-1], "^not a mongodump archive: magic number "),
])
def test_a_bad_magic_number(data: bytes, message: str) -> None:
    with pytest.raises(ArchiveError, match=message):
        _manifest(data)


def test_the_crc_in_the_eof_header_is_checked() -> None:
    bad = prelude("nova.a") + header("nova", "a") + b"".join(A) + TERMINATOR + header("nova", "a", eof=True, crc=12345) + TERMINATOR
    with pytest.raises(ArchiveError, match=r"^namespace nova\.a: the CRC-64 of its 3 documents is [0-9a-f]{16}; "
                                           r"its EOF header at byte \d+ says 0000000000003039$"):
        _manifest(bad)
    assert _manifest(bad, verify_crc=False)["collections"] == [{"name": "nova.a", "documents": 3, "hash": expected(A)}]


def test_a_crc_with_the_top_bit_set_compares_unsigned() -> None:
    documents = [doc(n) for n in range(40)]
    crc = crc64_bitwise(b"".join(documents))
    data = prelude("nova.a") + header("nova", "a") + b"".join(documents) + TERMINATOR + header("nova", "a", eof=True, crc=crc) + TERMINATOR
    assert _manifest(data)["collections"][0]["documents"] == 40
    flipped = crc ^ (1 << 63)
    assert _manifest(prelude("nova.a") + header("nova", "a") + b"".join(documents) + TERMINATOR
                     + header("nova", "a", eof=True, crc=flipped) + TERMINATOR, verify_crc=False)["collections"][0]["documents"] == 40


@pytest.mark.parametrize(("tail", "message"), [
    (header("nova", "a") + A[0] + TERMINATOR, r"^namespace nova\.a: a header at byte \d+, after its EOF$"),
    (TERMINATOR, r"^two terminators in a row \(the second at byte \d+\)"),
    (struct.pack("<i", 3) + b"\0" * 8, r"^3 at byte \d+ is neither a BSON document length nor a terminator$"),
    (bson(("db", "nova"), ("EOF", False)) + TERMINATOR, r"^the namespace header at byte \d+ needs db and collection strings"),
    (bson(("db", "nova"), ("collection", "c"), ("EOF", 1)) + TERMINATOR, "a boolean EOF"),
    (header("nova", "c") + A[0][:-1] + b"\x01" + TERMINATOR, r"^namespace nova\.c: the \d+-byte document at byte \d+ does not end with a zero byte$"),
    (header("nova", "c", eof=True) + A[0] + TERMINATOR, r"^namespace nova\.c: a document at byte \d+, after its EOF header$"),
    (b"\x0d\x00\x00\x00\x99k" + b"\x00" * 7 + TERMINATOR, r"^the namespace header at byte \d+ is not valid BSON: unknown BSON type 0x99"),
    (b"\x0d\x00\x00\x00\x03k\x00\xf0\xff\xff\xff\x00\x00" + TERMINATOR, r"is not valid BSON: negative length in field 'k'$"),
])
def test_corruption_is_named(tail: bytes, message: str) -> None:
    base = archive(("seg", "nova.a", A), ("eof", "nova.a"))
    with pytest.raises(ArchiveError, match=message):
        _manifest(base + tail)


def test_header_fields_of_other_types_are_skipped() -> None:
    extra = bson(("db", "nova"), ("note", 1.5), ("nested", (("x", "y"),)), ("collection", "a"), ("EOF", False), ("CRC", Int64(0)))
    data = prelude("nova.a") + extra + A[0] + TERMINATOR + header("nova", "a", eof=True, crc=crc64_bitwise(A[0])) + TERMINATOR
    assert _manifest(data)["collections"] == [{"name": "nova.a", "documents": 1, "hash": expected(A[:1])}]
