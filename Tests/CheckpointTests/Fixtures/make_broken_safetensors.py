#!/usr/bin/env python3
"""Writes broken-safetensors/: one small malformed safetensors file per kind
of damage the reader must refuse with its own error. Plain Python, no
packages: every byte is written by hand, so each file is broken in exactly
one way. Run it again after changing a case; the files are committed.

    python3 Tests/CheckpointTests/Fixtures/make_broken_safetensors.py
"""
import json
import pathlib
import struct

OUT = pathlib.Path(__file__).resolve().parent / "broken-safetensors"


def framed(header: bytes, data: bytes = b"", length=None) -> bytes:
    return struct.pack("<Q", len(header) if length is None else length) + header + data


def header(entries: dict) -> bytes:
    return json.dumps(entries).encode()


FOUR_F32 = struct.pack("<4f", 1, 2, 3, 4)

CASES = {
    # fewer than the 8 bytes of the length
    "file_too_short": b"\x10\x00\x00",
    # a length beyond the 100 MB cap of the reference library
    "header_too_large": framed(b"{}", length=200_000_000),
    # a length pointing past the end (a truncated download)
    "header_length_beyond_file": framed(b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', length=4096),
    "header_not_utf8": framed(b'{"\xff\xfe":{}}'),
    "header_not_json": framed(b'{"a": {"dtype": "F32", "shape": [4], '),
    "header_not_object": framed(b"[1, 2, 3]", FOUR_F32),
    "duplicate_name": framed(b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
                             b'"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}', FOUR_F32),
    "malformed_entry": framed(header({"a": {"dtype": "F32", "shape": [4]}}), FOUR_F32),
    "malformed_metadata": framed(header({"__metadata__": {"format": 1},
                                         "a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}), FOUR_F32),
    "unknown_dtype": framed(header({"a": {"dtype": "F33", "shape": [4], "data_offsets": [0, 16]}}), FOUR_F32),
    "unsupported_dtype": framed(header({"a": {"dtype": "I32", "shape": [4], "data_offsets": [0, 16]}}), FOUR_F32),
    "reversed_offsets": framed(header({"a": {"dtype": "F32", "shape": [0], "data_offsets": [16, 0]}}), FOUR_F32),
    # shape × dtype says 12 bytes, the offsets say 16
    "size_mismatch": framed(header({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 16]}}), FOUR_F32),
    "gap": framed(header({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                          "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}), FOUR_F32),
    "overlap": framed(header({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 12]},
                              "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}), FOUR_F32),
    "trailing_bytes": framed(header({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 12]}}), FOUR_F32),
    "truncated_data": framed(header({"a": {"dtype": "F32", "shape": [8], "data_offsets": [0, 32]}}), FOUR_F32),
}


def main():
    OUT.mkdir(exist_ok=True)
    for name, content in CASES.items():
        (OUT / f"{name}.safetensors").write_bytes(content)
    print(f"wrote {len(CASES)} files to {OUT}")


if __name__ == "__main__":
    main()
