"""hash_calculator: hash text, bytes or a file (md5 ... blake2), or verify an expected hash."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator

from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext

ALGORITHMS = {
    "md5": "md5", "sha1": "sha1", "sha224": "sha224", "sha256": "sha256", "sha384": "sha384",
    "sha512": "sha512", "sha3256": "sha3_256", "sha3512": "sha3_512", "blake2b": "blake2b",
    "blake2s": "blake2s", "blake2": "blake2b",
}  # fmt: skip


class Params(ToolParams):
    operation: Literal["hash", "verify"] = Field(
        "hash", description="hash the input, or verify it against expected_hash"
    )
    algorithm: str = Field(
        "sha256",
        description="md5, sha1, sha224, sha256, sha384, sha512, sha3_256, sha3_512, blake2b or "
        "blake2s ('SHA-256' and the like are accepted)",
    )
    input: str | None = Field(
        None,
        validation_alias=AliasChoices("input", "text", "content", "data", "string"),
        description="the text to hash (or, with input_type='file', a path)",
    )
    file: str | None = Field(
        None,
        validation_alias=AliasChoices("file", "path", "file_path", "input_file"),
        description="hash this file instead (inside the allowed paths)",
    )
    input_type: Literal["string", "text", "file", "hex", "base64"] = Field(
        "string", description="how to read input: string (UTF-8), file (a path), hex or base64"
    )
    format: Literal["hex", "base64"] = Field(
        "hex",
        validation_alias=AliasChoices("format", "output_format"),
        description="how the hash is written: lowercase hex or base64",
    )
    expected_hash: str | None = Field(
        None,
        validation_alias=AliasChoices("expected_hash", "expected", "hash"),
        description="verify: the hash to compare with (hex or base64)",
    )
    expected_format: Literal["hex", "base64"] | None = Field(
        None, description="verify: how expected_hash is written; default: detected"
    )

    @field_validator("algorithm")
    @classmethod
    def _algorithm(cls, value: str) -> str:
        key = value.strip().lower().replace("-", "").replace("_", "")
        if key not in ALGORITHMS:
            names = ", ".join(sorted(set(ALGORITHMS.values())))
            raise ValueError(f"unknown algorithm {value!r}; use one of {names}")
        return ALGORITHMS[key]


def _digest(algorithm: str, data: bytes) -> bytes:
    return hashlib.new(algorithm, data, usedforsecurity=False).digest()


def _decode_expected(text: str, size: int, given: str | None) -> bytes:
    cleaned = text.strip()
    as_hex = given == "hex" or (given is None and re.fullmatch(r"[0-9a-fA-F]+", cleaned))
    try:
        if as_hex:
            return bytes.fromhex(cleaned)
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except (ValueError, binascii.Error):
        raise ValueError(
            f"expected_hash is not valid {'hex' if as_hex else 'base64'} "
            f"(a {size}-byte digest is {size * 2} hex characters)"
        ) from None


class HashCalculator(Tool[Params]):
    name = "hash_calculator"
    category = "utility"
    description = (
        "Hash text, bytes or a file with md5, sha1, sha256, sha512, sha3 or blake2 (hex or "
        "base64), or verify data against an expected hash."
    )
    security_level = "restricted"
    tags = ("hash", "checksum", "sha256", "md5", "integrity")
    Params = Params
    result_keys = {
        "hash": "hash, algorithm, format, input_type, size (bytes hashed), file (when a file)",
        "verify": "valid (and verified, the original's name), algorithm, expected, actual, "
        "format, reason (when not valid)",
    }
    security_notes = (
        "Files are read through the file sandbox (`tools.file_operations.allowed_paths`, "
        "blocked extensions) and capped at `tools.file_operations.max_file_size`; verify compares "
        "digests in constant time (hmac.compare_digest)."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        data, source = self._data(params, ctx)
        digest = _digest(params.algorithm, data)
        if params.operation == "verify":
            return self._verify(params, digest)
        shown = _write(digest, params.format)
        result: dict[str, Any] = {
            "hash": shown,
            "algorithm": params.algorithm,
            "format": params.format,
            "input_type": "file" if source else params.input_type,
            "size": len(data),
        }
        if source:
            result["file"] = source
        return ToolResult.ok(shown, result, operation="hash")

    @staticmethod
    def _data(params: Params, ctx: ToolContext) -> tuple[bytes, str | None]:
        if params.file and params.input is not None:
            raise ValueError("give either 'input' (text) or 'file' (a path), not both")
        path = params.file or (params.input if params.input_type == "file" else None)
        if path:
            return ctx.read_bytes(path), str(ctx.check_path(path, "r"))
        if params.input is None:
            raise ValueError("give 'input' (text to hash) or 'file' (a path to hash)")
        data = params.input.encode("utf-8")
        ctx.check_size(len(data), "input")
        if params.input_type == "hex":
            try:
                return bytes.fromhex("".join(params.input.split())), None
            except ValueError:
                raise ValueError("input_type is 'hex' but input is not hex") from None
        if params.input_type == "base64":
            try:
                return base64.b64decode(params.input, validate=True), None
            except binascii.Error:
                raise ValueError("input_type is 'base64' but input is not base64") from None
        return data, None

    @staticmethod
    def _verify(params: Params, digest: bytes) -> ToolResult:
        if params.expected_hash is None:
            raise ValueError("verify needs 'expected_hash' (the hash to compare with)")
        expected = _decode_expected(params.expected_hash, len(digest), params.expected_format)
        shown_format = params.expected_format or (
            "hex" if re.fullmatch(r"[0-9a-fA-F]+", params.expected_hash.strip()) else "base64"
        )
        valid = hmac.compare_digest(expected, digest)
        result: dict[str, Any] = {
            "valid": valid,
            "verified": valid,
            "algorithm": params.algorithm,
            "expected": _write(expected, shown_format),
            "actual": _write(digest, shown_format),
            "format": shown_format,
        }
        if not valid:
            result["reason"] = (
                f"expected_hash has {len(expected)} bytes but a {params.algorithm} digest has "
                f"{len(digest)}: is the algorithm right?"
                if len(expected) != len(digest)
                else "the data does not match the expected hash"
            )
        text = "hash matches" if valid else f"hash does not match: {result['reason']}"
        return ToolResult.ok(text, result, operation="verify")


def _write(digest: bytes, fmt: str) -> str:
    return digest.hex() if fmt == "hex" else base64.b64encode(digest).decode("ascii")
