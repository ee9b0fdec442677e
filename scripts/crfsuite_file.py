"""Read and rewrite the attribute names of a crfsuite model file, weights untouched.

A crfsuite CRF file (``lCRF``/``FOMC``, written by crfsuite 0.12 through python-crfsuite) holds a
header, the feature weights, two CQDB string tables (labels, attributes) and two tables of
feature references whose entries are absolute file offsets. Renaming attributes rebuilds the
attribute CQDB (ids kept) and shifts what follows it; the feature weights are copied byte for
byte, so a renamed model scores an input whose features carry the new names exactly as the old
model scored the old names. ``python scripts/crfsuite_file.py MODEL`` checks that reading and
rewriting a file reproduces its bytes (the writer's self-test).
"""

from __future__ import annotations

import struct
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

_HEADER = struct.Struct("<4sI4s9I")  # magic, size, type, version, features, labels, attrs, 5 offsets
_CQDB_HEADER = struct.Struct("<4s5I")  # chunk id, size, flag, byte order, backward size, backward offset
_TABLES = 256
_CQDB_DATA = _CQDB_HEADER.size + _TABLES * 8
_MASK = 0xFFFFFFFF


def _rot(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & _MASK


def hashlittle(data: bytes, initval: int = 0) -> int:
    """Bob Jenkins' lookup3 ``hashlittle``, the hash CQDB files are built with."""
    length = len(data)
    a = b = c = (0xDEADBEEF + length + initval) & _MASK
    i = 0
    while length > 12:
        a = (a + int.from_bytes(data[i : i + 4], "little")) & _MASK
        b = (b + int.from_bytes(data[i + 4 : i + 8], "little")) & _MASK
        c = (c + int.from_bytes(data[i + 8 : i + 12], "little")) & _MASK
        a = (a - c) & _MASK; a ^= _rot(c, 4); c = (c + b) & _MASK  # noqa: E702
        b = (b - a) & _MASK; b ^= _rot(a, 6); a = (a + c) & _MASK  # noqa: E702
        c = (c - b) & _MASK; c ^= _rot(b, 8); b = (b + a) & _MASK  # noqa: E702
        a = (a - c) & _MASK; a ^= _rot(c, 16); c = (c + b) & _MASK  # noqa: E702
        b = (b - a) & _MASK; b ^= _rot(a, 19); a = (a + c) & _MASK  # noqa: E702
        c = (c - b) & _MASK; c ^= _rot(b, 4); b = (b + a) & _MASK  # noqa: E702
        i += 12
        length -= 12
    if length == 0:
        return c
    tail = data[i:] + bytes(12 - length)
    a = (a + int.from_bytes(tail[0:4], "little")) & _MASK
    b = (b + int.from_bytes(tail[4:8], "little")) & _MASK
    c = (c + int.from_bytes(tail[8:12], "little")) & _MASK
    c ^= b; c = (c - _rot(b, 14)) & _MASK  # noqa: E702
    a ^= c; a = (a - _rot(c, 11)) & _MASK  # noqa: E702
    b ^= a; b = (b - _rot(a, 25)) & _MASK  # noqa: E702
    c ^= b; c = (c - _rot(b, 16)) & _MASK  # noqa: E702
    a ^= c; a = (a - _rot(c, 4)) & _MASK  # noqa: E702
    b ^= a; b = (b - _rot(a, 14)) & _MASK  # noqa: E702
    c ^= b; c = (c - _rot(b, 24)) & _MASK  # noqa: E702
    return c


def read_cqdb(blob: bytes) -> tuple[int, int, list[str]]:
    """(flag, byte order, strings by id) of one CQDB chunk."""
    chunk, _, flag, order, n, bwd = _CQDB_HEADER.unpack_from(blob)
    if chunk != b"CQDB":
        raise ValueError("not a CQDB chunk")
    names = []
    for k in range(n):
        (offset,) = struct.unpack_from("<I", blob, bwd + 4 * k)
        ident, size = struct.unpack_from("<II", blob, offset)
        if ident != k:
            raise ValueError(f"CQDB record {k} holds id {ident}")
        names.append(blob[offset + 8 : offset + 8 + size - 1].decode("utf-8"))
    return flag, order, names


def write_cqdb(names: Sequence[str], flag: int, order: int) -> bytes:
    """A CQDB chunk mapping id ``k`` to ``names[k]`` both ways, laid out as crfsuite lays it."""
    records = bytearray()
    tables: list[list[tuple[int, int]]] = [[] for _ in range(_TABLES)]
    backward = []
    for ident, name in enumerate(names):
        key = name.encode("utf-8") + b"\0"
        offset = _CQDB_DATA + len(records)
        records += struct.pack("<II", ident, len(key)) + key
        hv = hashlittle(key)
        tables[hv % _TABLES].append((hv, offset))
        backward.append(offset)
    refs, body = [], bytearray()
    cursor = _CQDB_DATA + len(records)
    for entries in tables:
        if not entries:
            refs.append((0, 0))
            continue
        n = 2 * len(entries)
        buckets = [(0, 0)] * n
        for hv, offset in entries:
            k = (hv >> 8) % n
            while buckets[k][1]:
                k = (k + 1) % n
            buckets[k] = (hv, offset)
        refs.append((cursor + len(body), n))
        body += b"".join(struct.pack("<II", *bucket) for bucket in buckets)
    bwd_offset = cursor + len(body)
    size = bwd_offset + 4 * len(backward)
    header = _CQDB_HEADER.pack(b"CQDB", size, flag, order, len(backward), bwd_offset)
    table_refs = b"".join(struct.pack("<II", *r) for r in refs)
    return header + table_refs + bytes(records) + bytes(body) + struct.pack(f"<{len(backward)}I", *backward)


def _align(n: int) -> int:
    return (n + 3) // 4 * 4


def attributes(model: bytes) -> list[str]:
    fields = _HEADER.unpack_from(model)
    return read_cqdb(model[fields[9] : fields[10]])[2]


def rename_attributes(model: bytes, rename: Callable[[str], str]) -> bytes:
    """The model file with every attribute name ``a`` replaced by ``rename(a)``; ValueError when two
    names would become one (the model would then no longer be the same function)."""
    magic, size, kind, version, n_feat, n_labels, n_attrs, off_feat, off_labels, off_attrs, off_lrefs, off_arefs = (
        _HEADER.unpack_from(model)
    )
    if magic != b"lCRF" or kind != b"FOMC" or size != len(model):
        raise ValueError("not a crfsuite CRF1d model file")
    if not off_labels < off_attrs < off_lrefs < off_arefs:
        raise ValueError("unexpected chunk order in the model file")
    flag, order, names = read_cqdb(model[off_attrs:off_lrefs])
    new_names = [rename(a) for a in names]
    if len(set(new_names)) != len(new_names):
        seen: dict[str, str] = {}
        clashes = [(seen.setdefault(n, a), a) for a, n in zip(names, new_names) if seen.setdefault(n, a) != a]
        raise ValueError(f"renaming merges attributes, e.g. {clashes[:3]}")
    blob = write_cqdb(new_names, flag, order)
    blob += bytes(_align(off_attrs + len(blob)) - off_attrs - len(blob))
    shift = off_attrs + len(blob) - off_lrefs
    rest = bytearray(model[off_lrefs:])
    for ref_start in (0, off_arefs - off_lrefs):  # the two reference chunks: absolute offsets
        chunk, chunk_size, n = struct.unpack_from("<4sII", rest, ref_start)
        if chunk not in (b"LFRF", b"AFRF"):
            raise ValueError(f"unexpected chunk {chunk!r}")
        for k in range(n):
            pos = ref_start + 12 + 4 * k
            (offset,) = struct.unpack_from("<I", rest, pos)
            struct.pack_into("<I", rest, pos, offset + shift if offset else 0)
    out = bytearray(model[:off_attrs]) + blob + rest
    header = _HEADER.pack(
        magic, len(out), kind, version, n_feat, n_labels, n_attrs, off_feat, off_labels, off_attrs,
        off_lrefs + shift, off_arefs + shift,
    )  # fmt: skip
    out[: _HEADER.size] = header
    return bytes(out)


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        data = Path(arg).read_bytes()
        same = rename_attributes(data, lambda a: a) == data
        print(f"{arg}: {len(attributes(data))} attributes; identity rewrite reproduces the file: {same}")
