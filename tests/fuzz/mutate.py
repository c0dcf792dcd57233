"""Seeded mutations: flip, truncate and splice bytes; mangle dimensions, frame counts, box sizes."""

from __future__ import annotations

import random
import struct
from collections.abc import Callable

Mutation = Callable[[random.Random, bytes, dict[str, bytes]], bytes]
_EDGE_16 = (0, 1, 2, 0x7FFF, 0xFFFF)
_EDGE_32 = (0, 1, 7, 8, 0x7FFFFFFF, 0xFFFFFFFF, 0x10000, 46341)


def flip(rng: random.Random, data: bytes, _: dict[str, bytes]) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 24)):
        i = rng.randrange(len(out))
        out[i] = rng.choice((out[i] ^ (1 << rng.randrange(8)), rng.randrange(256), 0, 0xFF))
    return bytes(out)


def truncate(rng: random.Random, data: bytes, _: dict[str, bytes]) -> bytes:
    return data[: rng.choice((rng.randrange(len(data)), len(data) // 2, len(data) - 1, 16, 4))]


def splice(rng: random.Random, data: bytes, others: dict[str, bytes]) -> bytes:
    donor = rng.choice(list(others.values()))
    a, b = sorted(rng.randrange(len(data)) for _ in range(2))
    c = rng.randrange(len(donor))
    choice = rng.randrange(3)
    if choice == 0:  # a piece of another format in the middle
        return data[:a] + donor[c : c + rng.randint(1, 512)] + data[b:]
    if choice == 1:  # a region repeated
        return data[:b] + data[a:b] * rng.randint(2, 8) + data[b:]
    return data[:a] + data[b:]  # a region cut out


def _set(data: bytearray, offset: int, fmt: str, value: int) -> None:
    if 0 <= offset and offset + struct.calcsize(fmt) <= len(data):
        struct.pack_into(fmt, data, offset, value & ((1 << (8 * struct.calcsize(fmt))) - 1))


def _boxes(data: bytes) -> list[int]:
    """Offsets of ISO-BMFF box headers (size + printable 4cc), found by scanning."""
    found = []
    for i in range(0, len(data) - 8):
        tag = data[i + 4 : i + 8]
        if all(97 <= ch <= 122 or ch == 32 for ch in tag):
            size = struct.unpack_from(">I", data, i)[0]
            if 8 <= size <= len(data) - i + 64:
                found.append(i)
    return found


def headers(rng: random.Random, data: bytes, _: dict[str, bytes]) -> bytes:
    """Mangle what parsers trust: dimensions, frame counts, chunk and box sizes."""
    out = bytearray(data)
    if data[:3] == b"\xff\xd8\xff":
        for marker in (b"\xff\xc0", b"\xff\xc2", b"\xff\xe1", b"\xff\xdb", b"\xff\xc4", b"\xff\xda"):
            i = data.find(marker)
            if i >= 0 and rng.random() < 0.5:
                _set(out, i + 2 + rng.choice((0, 3, 5)), ">H", rng.choice(_EDGE_16 + (rng.randrange(1 << 16),)))
    elif data[:4] == b"\x89PNG":
        _set(out, 16 + rng.choice((0, 4)), ">I", rng.choice(_EDGE_32))
        i = data.find(b"acTL")  # APNG: the frame count
        if i > 0:
            _set(out, i + 4, ">I", rng.choice(_EDGE_32))
        i = data.find(b"fcTL", rng.randrange(len(data)) // 2)  # a frame's size and offset
        if i > 0:
            _set(out, i + rng.choice((8, 12, 16, 20)), ">I", rng.choice(_EDGE_32))
        if rng.random() < 0.5:  # a chunk length
            j = data.find(b"IDAT")
            _set(out, j - 4, ">I", rng.choice(_EDGE_32))
    elif data[:3] == b"GIF":
        _set(out, 6 + rng.choice((0, 2)), "<H", rng.choice(_EDGE_16))
        i = data.find(b"\x2c", 13)  # an image descriptor
        if i > 0:
            _set(out, i + rng.choice((1, 3, 5, 7)), "<H", rng.choice(_EDGE_16))
    elif data[:4] == b"RIFF":
        _set(out, 4, "<I", rng.choice(_EDGE_32 + (len(data) * 2,)))
        for tag in (b"VP8X", b"ANMF", b"ANIM", b"VP8L", b"VP8 ", b"ALPH"):
            i = data.find(tag)
            if i > 0 and rng.random() < 0.5:
                _set(out, i + rng.choice((4, 12, 14)), "<I", rng.choice(_EDGE_32))
    elif data[:4] == b"\x1a\x45\xdf\xa3":
        for tag in (b"\xb0", b"\xba", b"\x18\x53\x80\x67", b"\x1f\x43\xb6\x75"):  # width, height, Segment, Cluster
            i = data.find(tag)
            if i > 0:
                out[i + len(tag)] = rng.choice((0x80, 0x01, 0xFF, 0x88, 0x40))
    else:  # ISO-BMFF: MP4, MOV, HEIC
        boxes = _boxes(data)
        for i in rng.sample(boxes, min(len(boxes), rng.randint(1, 3))):
            _set(out, i, ">I", rng.choice(_EDGE_32 + (struct.unpack_from(">I", data, i)[0] + rng.randint(-9, 9),)))
        for tag in (b"ispe", b"tkhd", b"stsz", b"stts", b"mdhd", b"stco", b"iloc"):
            i = data.find(tag)
            if i > 0 and rng.random() < 0.5:
                _set(out, i + rng.choice((8, 12, 16, 76, 80)), ">I", rng.choice(_EDGE_32))
    return bytes(out)


MUTATIONS: dict[str, Mutation] = {"flip": flip, "truncate": truncate, "splice": splice, "headers": headers}


def mutate(seed: int, fmt: str, seeds: dict[str, bytes]) -> tuple[str, bytes]:
    """Case ``seed`` of format ``fmt``: the mutation's name and the mutated bytes (deterministic)."""
    rng = random.Random(f"{fmt}:{seed}")
    name = rng.choice(list(MUTATIONS))
    data = seeds[fmt]
    others = {k: v for k, v in seeds.items() if k != fmt}
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        data = MUTATIONS[name](rng, data, others) or data[:1]
    return name, data
