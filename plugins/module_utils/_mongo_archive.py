# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A manifest of a ``mongodump --archive`` stream, read from the archive itself: per collection the
number of documents and an order-independent hash of their raw BSON.

The format, from mongo-tools (common/archive/spec.md, parser.go, multiplexer.go, demultiplexer.go):

    archive   = magic prelude *(segment | eof)
    magic     = 6d e2 99 81             (0x8199e26d, little-endian)
    prelude   = header-doc *metadata-doc terminator
    segment   = ns-header-doc *doc terminator     (ns-header: {db, collection, EOF: false, CRC: 0})
    eof       = ns-header-doc terminator          (ns-header: {db, collection, EOF: true, CRC})
    terminator = ff ff ff ff

Each doc is a BSON document (int32 little-endian length including itself, ..., 0x00), 5 bytes to
16 MiB. A collection's documents may be split over several segments, interleaved with other
collections'. mongodump writes a segment (perhaps with no documents, for an empty collection) and
then an eof for every collection it dumps; a header after a namespace's eof, documents after an
eof header, and two terminators in a row are corruption, as mongorestore treats them. The eof's
CRC is the CRC-64 (ECMA-182 polynomial, as Go's hash/crc64 with crc64.ECMA computes it) of the
namespace's documents, concatenated in archive order; stored as int64, compared as unsigned.

The stream may be gzip (``--gzip``), detected by its magic bytes 1f 8b. Nothing is held but one
document at a time. Offsets in error messages count bytes of the (decompressed) archive."""

from __future__ import annotations

import gzip
import hashlib
import io
import struct
import typing as t
import zlib

__all__ = ["ArchiveError", "MAGIC", "manifest", "crc64"]

MAGIC = 0x8199E26D
_MAGIC_BYTES = struct.pack("<I", MAGIC)
_TERMINATOR = 0xFFFFFFFF
_MIN_BSON = 5
_MAX_BSON = 16 * 1024 * 1024  # mongo-tools' db.MaxBSONSize
_CHUNK = 1 << 16
_GZIP_MAGIC = b"\x1f\x8b"

_CRC64_POLY = 0xC96C5795D7870F42  # ECMA-182, bit-reversed, as Go's crc64.ECMA


def _crc64_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _bit in range(8):
            crc = (crc >> 1) ^ _CRC64_POLY if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC64_TABLE = _crc64_table()
_MASK64 = 0xFFFFFFFFFFFFFFFF


class ArchiveError(ValueError):
    """Not an archive, or a damaged one: the message names the namespace and the byte offset."""


def crc64(data: bytes, crc: int = 0) -> int:
    """CRC-64/ECMA as Go's crc64.Update(crc, crc64.MakeTable(crc64.ECMA), data): pass the previous
    result to continue over more data. Pure Python, about 15-20 MB/s."""
    crc ^= _MASK64
    table = _CRC64_TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ _MASK64


class _Prefixed:
    """A stream with its first bytes, already read to look for the gzip magic, put back."""

    def __init__(self, head: bytes, stream: t.BinaryIO) -> None:
        self._head, self._stream = head, stream

    def read(self, size: int = -1) -> bytes:
        if self._head:
            head, self._head = self._head, b""
            if size is None or size < 0:
                return head + self._stream.read()
            return head if len(head) >= size else head + self._stream.read(size - len(head))
        return self._stream.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        """Never called while reading forward (gzip's file protocol lists it)."""
        raise io.UnsupportedOperation("an archive stream is read forward only")


class _Chunks:
    """The archive's bytes in chunks, gunzipped when the stream starts with the gzip magic;
    ``complete`` is False when a gzip stream ended before its end-of-stream marker."""

    def __init__(self, stream: t.BinaryIO) -> None:
        head = stream.read(2)
        while 0 < len(head) < 2:  # a raw stream may answer short
            more = stream.read(2 - len(head))
            if not more:
                break
            head += more
        self.gzip = head == _GZIP_MAGIC
        self.complete = True
        self._source: t.Any = gzip.GzipFile(fileobj=_Prefixed(head, stream), mode="rb") if self.gzip else _Prefixed(head, stream)

    def __iter__(self) -> t.Iterator[bytes]:
        while True:
            try:
                # read1: one decompression step at a time, so nothing read is lost when the next step fails.
                chunk = self._source.read1(_CHUNK) if self.gzip else self._source.read(_CHUNK)
            except EOFError:  # gzip: "Compressed file ended before the end-of-stream marker was reached"
                self.complete = False
                return
            except (OSError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError: bad header, CRC-32 or length
                raise ArchiveError(f"gzip: {exc}") from None
            if not chunk:
                return
            yield chunk


class _Truncated(Exception):
    def __init__(self, offset: int, detail: str = "") -> None:
        super().__init__(offset, detail)
        self.offset, self.detail = offset, detail


class _Reader:
    def __init__(self, chunks: t.Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = bytearray()
        self._start = 0
        self.offset = 0

    def read(self, size: int) -> bytes:
        """Up to ``size`` bytes; fewer only at the end of the stream."""
        while len(self._buffer) - self._start < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            if self._start:
                del self._buffer[:self._start]
                self._start = 0
            self._buffer += chunk
        data = bytes(self._buffer[self._start:self._start + size])
        self._start += len(data)
        self.offset += len(data)
        return data

    def document(self) -> bytes | None:
        """The next BSON document, None for a terminator; _Truncated when the stream ends first
        (at its very start too: callers that allow a clean end look before)."""
        start = self.offset
        length = self.read(4)
        if len(length) < 4:
            raise _Truncated(self.offset)
        size = struct.unpack("<I", length)[0]
        if size == _TERMINATOR:
            return None
        if not _MIN_BSON <= size <= _MAX_BSON:
            raise ArchiveError(f"{size} at byte {start} is neither a BSON document length nor a terminator")
        rest = self.read(size - 4)
        if len(rest) < size - 4:
            raise _Truncated(self.offset, f", inside a {size}-byte document that starts at byte {start}")
        if rest[-1] != 0:
            raise ArchiveError(f"the {size}-byte document at byte {start} does not end with a zero byte")
        return length + rest

    def at_end(self) -> bool:
        """Whether the stream has no byte left (reads ahead, consumes nothing)."""
        if len(self._buffer) > self._start:
            return False
        chunk = next(self._chunks, None)
        while chunk is not None and not chunk:
            chunk = next(self._chunks, None)
        if chunk is None:
            return True
        del self._buffer[:self._start]
        self._start = 0
        self._buffer += chunk
        return False


def _cstring(doc: bytes, at: int) -> tuple[str, int]:
    end = doc.index(b"\0", at)
    return doc[at:end].decode("utf-8"), end + 1


_FIXED = {0x01: 8, 0x06: 0, 0x07: 12, 0x08: 1, 0x09: 8, 0x0A: 0, 0x10: 4, 0x11: 8, 0x12: 8, 0x13: 16, 0x7F: 0, 0xFF: 0}
_LENGTH_PREFIXED = {0x02: 4, 0x03: 0, 0x04: 0, 0x05: 5, 0x0D: 4, 0x0E: 4, 0x0F: 0}


def _fields(doc: bytes) -> dict[str, t.Any]:
    """The top-level fields of a BSON document: strings, booleans and integers decoded, other
    types present as None. Raises ValueError (and friends) on malformed BSON."""
    out: dict[str, t.Any] = {}
    at, end = 4, len(doc) - 1
    while at < end:
        kind = doc[at]
        key, at = _cstring(doc, at + 1)
        if kind == 0x02:
            size = struct.unpack_from("<i", doc, at)[0]
            if size < 1 or doc[at + 4 + size - 1] != 0:
                raise ValueError(f"bad string in field {key!r}")
            out[key] = doc[at + 4:at + 4 + size - 1].decode("utf-8")
            at += 4 + size
        elif kind == 0x08:
            out[key] = doc[at] != 0
            at += 1
        elif kind == 0x10:
            out[key] = struct.unpack_from("<i", doc, at)[0]
            at += 4
        elif kind == 0x12:
            out[key] = struct.unpack_from("<q", doc, at)[0]
            at += 8
        elif kind in _FIXED:
            out[key] = None
            at += _FIXED[kind]
        elif kind in _LENGTH_PREFIXED or kind == 0x0C:  # 0x0C DBPointer: a string, then an ObjectId
            out[key] = None
            size = struct.unpack_from("<i", doc, at)[0]
            if size < 0:
                raise ValueError(f"negative length in field {key!r}")
            at += size + (16 if kind == 0x0C else _LENGTH_PREFIXED[kind])
        elif kind == 0x0B:  # regex: two cstrings
            out[key] = None
            at = _cstring(doc, _cstring(doc, at)[1])[1]
        else:
            raise ValueError(f"unknown BSON type 0x{kind:02x} in field {key!r}")
    if at != end:
        raise ValueError("fields overrun the document")
    return out


class _Collection:
    __slots__ = ("documents", "hash", "crc", "closed")

    def __init__(self) -> None:
        self.documents, self.hash, self.crc, self.closed = 0, 0, 0, False


def manifest(stream: t.BinaryIO, verify_crc: bool = True) -> dict[str, t.Any]:
    """``{"collections": [{"name": "db.coll", "documents": N, "hash": "<decimal>"}]}`` of a
    mongodump archive (plain or gzip) read from ``stream`` to its end, sorted by name.

    ``hash`` is the sum, over the collection's documents, of the first 8 bytes (big-endian) of
    the SHA-256 of each raw BSON document: independent of document order. With ``verify_crc``
    each collection's documents are also checked against the CRC-64 mongodump wrote (pure
    Python, the slow part: turn it off for archives of many gigabytes).

    Raises ArchiveError naming the namespace and byte offset on a bad magic number, truncation
    or corruption."""
    chunks = _Chunks(stream)
    reader = _Reader(iter(chunks))
    try:
        collections = _parse(reader, verify_crc)
    except ArchiveError as exc:
        if not chunks.complete:
            raise ArchiveError(f"{exc} (the gzip stream ends before its end marker)") from None
        raise
    if not chunks.complete:
        raise ArchiveError(f"gzip: the compressed stream ends before its end marker (the archive in it ends cleanly at byte {reader.offset})")
    return {"collections": [{"name": name, "documents": entry.documents, "hash": str(entry.hash)}
                            for name, entry in sorted(collections.items())]}


def _parse(reader: _Reader, verify_crc: bool) -> dict[str, _Collection]:
    magic = reader.read(4)
    if len(magic) < 4:
        raise ArchiveError(f"not a mongodump archive: truncated at byte {reader.offset}, inside its magic number")
    if magic != _MAGIC_BYTES:
        raise ArchiveError(f"not a mongodump archive: magic number {magic.hex()} at byte 0, not {_MAGIC_BYTES.hex()} "
                           f"(0x{MAGIC:08x} little-endian)")
    expected = _prelude(reader)
    collections: dict[str, _Collection] = {}
    while not reader.at_end():
        start = reader.offset
        try:
            header = reader.document()
        except _Truncated as exc:
            raise _unfinished(collections, expected, exc.offset, f", inside the namespace header that starts at byte {start}") from None
        if header is None:
            raise ArchiveError(f"two terminators in a row (the second at byte {start}): a block without a namespace header")
        name, eof, crc = _namespace(header, start)
        entry = collections.setdefault(name, _Collection())
        if entry.closed:
            raise ArchiveError(f"namespace {name}: a header at byte {start}, after its EOF")
        try:
            if eof:
                entry.closed = True
                after = reader.offset
                if reader.document() is not None:
                    raise ArchiveError(f"namespace {name}: a document at byte {after}, after its EOF header")
                if verify_crc and crc is not None and crc != entry.crc:
                    raise ArchiveError(f"namespace {name}: the CRC-64 of its {entry.documents} documents is {entry.crc:016x}; "
                                       f"its EOF header at byte {start} says {crc:016x}")
                continue
            while True:
                doc = reader.document()
                if doc is None:
                    break
                entry.documents += 1
                entry.hash += int.from_bytes(hashlib.sha256(doc).digest()[:8], "big")
                if verify_crc:
                    entry.crc = crc64(doc, entry.crc)
        except _Truncated as exc:
            raise _unfinished(collections, expected, exc.offset, exc.detail, first=name) from None
        except ArchiveError as exc:
            if str(exc).startswith("namespace "):
                raise
            raise ArchiveError(f"namespace {name}: {exc}") from None
    if _pending(collections, expected) or any(not entry.closed for entry in collections.values()):
        raise _unfinished(collections, expected, reader.offset, ", before its EOF header")
    return collections


def _prelude(reader: _Reader) -> list[tuple[str, ...]]:
    """Read the prelude (the archive header, one metadata document per collection, a terminator);
    return, per collection it lists, the namespaces its data may come under: mongodump writes an
    EOF for each (an empty segment for a view), so one missing means the archive was cut. A
    timeseries collection's data is under system.buckets.<name> from servers before 8.3, under
    <name> from 8.3 on (mongo-tools' CreateDemux); either is accepted."""
    expected: list[tuple[str, ...]] = []
    try:
        if reader.document() is None:
            raise ArchiveError("a terminator at byte 4 where the archive header belongs")
        while True:
            start = reader.offset
            metadata = reader.document()
            if metadata is None:
                return expected
            try:
                fields = _fields(metadata)
            except (ValueError, IndexError, struct.error) as exc:
                raise ArchiveError(f"the collection metadata at byte {start} is not valid BSON: {exc}") from None
            db, collection = fields.get("db"), fields.get("collection")
            if not isinstance(db, str) or not isinstance(collection, str) or not collection:
                raise ArchiveError(f"the collection metadata at byte {start} needs db and collection strings")
            if fields.get("type") == "timeseries":
                expected.append((f"{db}.system.buckets.{collection}", f"{db}.{collection}"))
            else:
                expected.append((f"{db}.{collection}",))
    except _Truncated as exc:
        raise ArchiveError(f"the prelude: truncated at byte {exc.offset}{exc.detail}") from None
    except ArchiveError as exc:
        raise ArchiveError(f"the prelude: {exc}") from None


def _pending(collections: dict[str, _Collection], expected: list[tuple[str, ...]]) -> list[str]:
    """Collections the prelude lists that have no EOF (yet)."""
    closed = {name for name, entry in collections.items() if entry.closed}
    return sorted(names[0] for names in expected if not closed.intersection(names))


def _namespace(header: bytes, start: int) -> tuple[str, bool, int | None]:
    """(db.collection, EOF, CRC as unsigned or None) of a namespace header."""
    try:
        fields = _fields(header)
    except (ValueError, IndexError, struct.error) as exc:
        raise ArchiveError(f"the namespace header at byte {start} is not valid BSON: {exc}") from None
    db, collection, eof, crc = fields.get("db"), fields.get("collection"), fields.get("EOF", False), fields.get("CRC")
    if not isinstance(db, str) or not isinstance(collection, str) or not collection or not isinstance(eof, bool):
        raise ArchiveError(f"the namespace header at byte {start} needs db and collection strings and a boolean EOF")
    return f"{db}.{collection}", eof, (crc & _MASK64 if isinstance(crc, int) and not isinstance(crc, bool) else None)


def _unfinished(collections: dict[str, _Collection], expected: list[tuple[str, ...]], offset: int, detail: str,
                first: str | None = None) -> ArchiveError:
    """Truncation, said with the namespace it cut: ``first``, else one with documents but no EOF,
    else one the prelude lists and the archive never finished."""
    opened = sorted(name for name, entry in collections.items() if not entry.closed and name != first)
    cut = ([first] if first is not None else []) + opened
    pending = [name for name in _pending(collections, expected) if name not in cut]
    if cut:
        others = cut[1:] + pending
        also = f" (also unfinished: {', '.join(others)})" if others else ""
        return ArchiveError(f"namespace {cut[0]}: truncated at byte {offset}{detail}{also}")
    if pending:
        also = f"; also missing: {', '.join(pending[1:])}" if len(pending) > 1 else ""
        return ArchiveError(f"namespace {pending[0]}: truncated at byte {offset}{detail} (the prelude lists it{also})")
    return ArchiveError(f"truncated at byte {offset}{detail}")
