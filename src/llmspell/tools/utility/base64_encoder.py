"""base64_encoder: encode or decode Base64 (standard or URL-safe), text or bytes, string or file."""

from __future__ import annotations

import base64
import binascii
from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator

from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext

_VARIANTS = {
    "standard": "standard",
    "url-safe": "url-safe",
    "url_safe": "url-safe",
    "urlsafe": "url-safe",
    "url": "url-safe",
}


class Params(ToolParams):
    operation: Literal["encode", "decode"] = Field(
        "encode", description="encode bytes to Base64, or decode Base64 back to bytes"
    )
    input: str | None = Field(
        None,
        validation_alias=AliasChoices("input", "text", "content", "data"),
        description="the text to encode, or the Base64 to decode (or give input_file)",
    )
    input_file: str | None = Field(
        None,
        validation_alias=AliasChoices("input_file", "file", "path"),
        description="read the input from this file instead (inside the allowed paths)",
    )
    output_file: str | None = Field(
        None, description="write the output bytes to this file (inside the allowed paths)"
    )
    variant: str = Field(
        "standard", description="Base64 alphabet: 'standard' (+/) or 'url-safe' (-_)"
    )
    binary_input: bool = Field(
        False, description="encode: the input string is hex of the bytes to encode"
    )
    binary_output: bool = Field(
        False, description="decode: return the decoded bytes as hex even when they are text"
    )

    @field_validator("variant")
    @classmethod
    def _variant(cls, value: str) -> str:
        found = _VARIANTS.get(value.strip().lower())
        if found is None:
            raise ValueError("must be 'standard' or 'url-safe'")
        return found


def _decode(text: str, variant: str) -> bytes:
    """Strict decode that tolerates whitespace and missing padding."""
    cleaned = "".join(text.split())
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        if variant == "url-safe":
            return base64.b64decode(cleaned.translate(str.maketrans("-_", "+/")), validate=True)
        return base64.b64decode(cleaned, validate=True)
    except binascii.Error as exc:
        hint = ""
        if variant == "standard" and ("-" in cleaned or "_" in cleaned):
            hint = "; it contains '-' or '_', so try variant='url-safe'"
        raise ValueError(f"input is not valid Base64 ({exc}){hint}") from None


class Base64Encoder(Tool[Params]):
    name = "base64_encoder"
    category = "utility"
    description = (
        "Encode text, bytes or files to Base64 (standard or URL-safe) and decode them back."
    )
    tags = ("base64", "encoding", "decode", "binary")
    Params = Params
    result_keys = {
        "encode": "output (the Base64 text), encoded (same), variant, binary",
        "decode": "output (the decoded text, or hex when binary), decoded (same), variant, binary",
        "output_file": "output_file, size, variant, binary (no output)",
    }
    security_notes = (
        "input_file and output_file go through the file sandbox "
        "(`tools.file_operations.allowed_paths`, blocked extensions); input and output are "
        "capped at `tools.file_operations.max_file_size`."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        data = self._load(params, ctx)
        if params.operation == "encode":
            url_safe = params.variant == "url-safe"
            raw = base64.urlsafe_b64encode(data) if url_safe else base64.b64encode(data)
        else:
            raw = _decode(data.decode("ascii", errors="replace"), params.variant)
        ctx.check_size(len(raw), "output")

        binary = params.operation == "decode" and params.binary_output
        if params.operation == "decode" and not binary:
            try:
                output = raw.decode("utf-8")
            except UnicodeDecodeError:
                binary = True
        if binary:
            output = raw.hex()
        elif params.operation == "encode":
            output = raw.decode("ascii")

        result: dict[str, Any] = {"variant": params.variant, "binary": binary}
        verb = "Encoded" if params.operation == "encode" else "Decoded"
        if params.output_file:
            path = ctx.write_bytes(params.output_file, raw)
            result.update(output_file=str(path), size=len(raw))
            text = f"{verb} {len(data)} bytes into {len(raw)} bytes at {path}"
        else:
            result["output"] = output
            result["encoded" if params.operation == "encode" else "decoded"] = output
            text = output
        result["input_size"] = len(data)
        result["output_size"] = len(raw)
        return ToolResult.ok(text, result, operation=params.operation)

    @staticmethod
    def _load(params: Params, ctx: ToolContext) -> bytes:
        if params.input_file:
            if params.input is not None:
                raise ValueError("give either 'input' or 'input_file', not both")
            return ctx.read_bytes(params.input_file)
        if params.input is None:
            raise ValueError(
                f"{params.operation} needs 'input' (a string) or 'input_file' (a path)"
            )
        data = params.input.encode("utf-8")
        ctx.check_size(len(data), "input")
        if params.operation == "encode" and params.binary_input:
            try:
                return bytes.fromhex("".join(params.input.split()))
            except ValueError:
                raise ValueError(
                    "binary_input is true, so 'input' must be hex (pairs of 0-9a-f)"
                ) from None
        return data
