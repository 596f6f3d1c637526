"""uuid_generator: generate UUIDs (v1, v3, v4, v5, v7) and component ids, or check one."""

from __future__ import annotations

import os
import secrets
import time
import uuid
from typing import Literal

from pydantic import Field

from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext

_NAMESPACES = {
    "dns": uuid.NAMESPACE_DNS,
    "url": uuid.NAMESPACE_URL,
    "oid": uuid.NAMESPACE_OID,
    "x500": uuid.NAMESPACE_X500,
}


class Params(ToolParams):
    operation: Literal[
        "generate", "validate", "component_id", "deterministic", "custom", "parse"
    ] = "generate"
    version: Literal["v1", "v3", "v4", "v5", "v7", "1", "3", "4", "5", "7"] | int = Field(
        "v4", description="UUID version for generate: v1, v3, v4, v5 or v7"
    )
    namespace: str | None = Field(None, description="for v3/v5: dns, url, oid, x500 or a UUID")
    name: str | None = Field(None, description="for v3/v5: the name to hash")
    uuid: str | None = Field(None, description="for validate/parse: the UUID to check")
    input: str | None = Field(None, description="alias of uuid")
    prefix: str | None = Field(
        None, description="for component_id/custom: a prefix such as 'agent'"
    )
    suffix: str | None = Field(None, description="for custom: a suffix")
    short: bool = Field(
        True, description="component_id/custom: 8 hex characters instead of a whole UUID"
    )
    timestamp: bool = Field(False, description="for custom: include a Unix-seconds timestamp")
    format: Literal["hyphenated", "standard", "simple", "urn", "braced"] = Field(
        "hyphenated", description="how a generated UUID is written"
    )
    count: int = Field(1, ge=1, le=1000, description="how many UUIDs to generate")


class Uuid7Source:
    """RFC 9562 version 7, monotonic: within one millisecond the 12-bit counter (rand_a) counts up.

    Layout: 48-bit Unix milliseconds, version 7, 12-bit counter, variant, 62 random bits.
    """

    def __init__(self) -> None:
        self._millis = -1
        self._counter = 0

    def next(self) -> uuid.UUID:
        millis = time.time_ns() // 1_000_000
        if millis <= self._millis:
            self._counter += 1
            if self._counter > 0xFFF:  # counter exhausted: borrow the next millisecond
                self._millis += 1
                self._counter = 0
            millis = self._millis
        else:
            self._millis = millis
            self._counter = int.from_bytes(os.urandom(2), "big") & 0x3FF
        rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
        value = (millis & ((1 << 48) - 1)) << 80 | 7 << 76 | self._counter << 64 | 0b10 << 62
        return uuid.UUID(int=value | rand_b)


def namespace_uuid(name: str | None) -> uuid.UUID:
    """dns, url, oid, x500, a UUID, or any other text (hashed into a namespace of its own)."""
    text = (name or "dns").strip()
    known = _NAMESPACES.get(text.lower())
    if known is not None:
        return known
    try:
        return uuid.UUID(text)
    except ValueError:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"llmspell:namespace:{text}")


def _render(value: uuid.UUID, fmt: str) -> str:
    if fmt == "simple":
        return value.hex
    if fmt == "urn":
        return value.urn
    if fmt == "braced":
        return "{" + str(value) + "}"
    return str(value)


class UuidGenerator(Tool[Params]):
    name = "uuid_generator"
    category = "utility"
    description = "Generate UUIDs (v1, v3, v4, v5, v7) and short component ids, or validate one."
    tags = ("uuid", "id", "identifier")
    Params = Params
    example = {"operation": "generate", "version": "v4"}
    result_keys = {
        "generate": "uuid, version (uuids when count > 1)",
        "component_id": "id, prefix, short",
        "deterministic": "uuid, version, namespace (v5 of namespace + name)",
        "custom": "id, prefix, short",
        "validate": "valid, version",
        "parse": "uuid, version, variant, timestamp (v1/v7)",
    }

    def __init__(self) -> None:
        self._v7 = Uuid7Source()

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        if params.operation in ("component_id", "custom"):
            return self._component_id(params)
        if params.operation == "deterministic":
            if not params.name:
                raise ValueError("deterministic needs 'name' (and 'namespace', default dns)")
            made_id = uuid.uuid5(namespace_uuid(params.namespace), params.name)
            text = _render(made_id, params.format)
            return ToolResult.ok(text, {"uuid": text, "version": 5, "namespace": params.namespace})
        if params.operation in ("validate", "parse"):
            return self._check(params.uuid or params.input or "", params.operation)
        version = str(params.version).lstrip("v")
        made = [self._make(version, params) for _ in range(params.count)]
        rendered = [_render(u, params.format) for u in made]
        result: dict[str, object] = {"uuid": rendered[0], "version": int(version)}
        if params.count > 1:
            result["uuids"] = rendered
        return ToolResult.ok("\n".join(rendered), result)

    @staticmethod
    def _component_id(params: Params) -> ToolResult:
        body = secrets.token_hex(4) if params.short else str(uuid.uuid4())
        prefix = params.prefix or ("component" if params.operation == "component_id" else "")
        parts = [p for p in (prefix, body) if p]
        if params.timestamp:
            parts.append(str(int(time.time())))
        if params.suffix:
            parts.append(params.suffix)
        made = "_".join(parts)
        return ToolResult.ok(made, {"id": made, "prefix": prefix, "short": body})

    def _make(self, version: str, params: Params) -> uuid.UUID:
        if version == "1":
            return uuid.uuid1()
        if version == "4":
            return uuid.uuid4()
        if version == "7":
            return self._v7.next()
        if not params.name:
            raise ValueError(f"uuid v{version} needs 'name' (and 'namespace', default dns)")
        maker = uuid.uuid3 if version == "3" else uuid.uuid5
        return maker(namespace_uuid(params.namespace), params.name)

    @staticmethod
    def _check(text: str, operation: str) -> ToolResult:
        try:
            value = uuid.UUID(text.strip())
        except ValueError:
            return ToolResult.ok(f"not a valid UUID: {text!r}", {"valid": False, "uuid": text})
        result: dict[str, object] = {"valid": True, "version": value.version, "uuid": str(value)}
        if operation == "parse":
            result["variant"] = value.variant
            if value.version == 1:
                result["timestamp"] = (value.time - 0x01B21DD213814000) / 1e7
            elif value.version == 7:
                result["timestamp"] = (value.int >> 80) / 1000
        return ToolResult.ok(f"valid UUID v{value.version}", result)
