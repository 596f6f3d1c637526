"""file_converter: text encodings, line endings, indentation, and csv/json/jsonl/yaml/toml."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field

from llmspell.core.errors import ToolExecutionError, ToolParameterError
from llmspell.tools.base import Tool, ToolParams, ToolResult
from llmspell.tools.context import ToolContext
from llmspell.tools.fs import _formats as fmt
from llmspell.tools.fs._shared import envelope

Format = Literal["csv", "tsv", "json", "jsonl", "ndjson", "jsonlines", "yaml", "yml", "toml"]
_NEWLINES = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}


class Params(ToolParams):
    operation: Literal["convert", "encoding", "line_endings", "indentation", "detect"] = Field(
        "convert",
        description="convert (between formats), encoding, line_endings, indentation, detect",
    )
    path: str | None = Field(
        None,
        validation_alias=AliasChoices("path", "input_path", "source_path", "file_path"),
        description="the file to convert (or give `input`)",
    )
    input: str | bytes | None = Field(
        None,
        validation_alias=AliasChoices("input", "content", "text"),
        description="content to convert instead of a file",
    )
    target_path: str | None = Field(
        None,
        validation_alias=AliasChoices("target_path", "output_path", "output"),
        description="where to write; default: in place for encoding/line_endings/indentation of "
        "a file, else the converted content is returned",
    )
    from_format: Format | None = Field(
        None,
        validation_alias=AliasChoices("from_format", "input_format"),
        description="source format; default: from the file extension",
    )
    to_format: Format | None = Field(
        None,
        validation_alias=AliasChoices("to_format", "output_format", "format"),
        description="target format; default: from the target extension",
    )
    from_encoding: str | None = Field(None, description="source encoding; default: detected")
    to_encoding: str | None = Field(
        None, description="target encoding: utf-8, utf-16, utf-16le, utf-16be, latin-1, ascii..."
    )
    errors: Literal["strict", "replace", "ignore"] = Field(
        "strict", description="characters the target encoding lacks: fail, replace or drop"
    )
    line_ending: Literal["lf", "crlf", "cr"] | None = Field(None, description="lf, crlf or cr")
    convert_to_spaces: bool = Field(True, description="indentation: tabs to spaces (or back)")
    tab_size: int = Field(4, ge=1, le=16, description="indentation: spaces per tab")
    delimiter: str | None = Field(None, max_length=1, description="csv/tsv field separator")
    indent: int = Field(2, ge=0, le=8, description="json output indentation; 0: one line")
    infer_types: bool = Field(True, description="csv/tsv input: numbers and booleans typed")


class FileConverter(Tool[Params]):
    name = "file_converter"
    category = "filesystem"
    description = (
        "Convert text files: encodings (BOM-aware), line endings, indentation, and formats "
        "(csv, tsv, json, jsonl, yaml, toml)."
    )
    security_level = "restricted"
    tags = ("convert", "encoding", "csv", "json", "yaml", "toml")
    Params = Params
    example = {"input": "a,b\n1,2\n", "from_format": "csv", "to_format": "json"}
    result_keys = {
        "convert": "input_path, output_path, from_format, to_format, content (when not written)",
        "encoding": "input_path, output_path, from_encoding, to_encoding, bom, content",
        "line_endings": "input_path, output_path, line_ending, previous, content",
        "detect": "encoding, bom, line_ending, format, size, lines",
    }
    security_notes = (
        "Source and target files resolve inside `tools.file_operations.allowed_paths` (blocked "
        "extensions refused); input is capped by `tools.file_operations.max_file_size`; writes "
        "are atomic."
    )

    def run(self, params: Params, ctx: ToolContext) -> ToolResult:
        op = params.operation
        if params.path is not None:
            data = ctx.read_bytes(params.path)
        elif params.input is not None:
            data = params.input if isinstance(params.input, bytes) else params.input.encode()
            ctx.check_size(len(data), "input")
        else:
            raise ToolParameterError(f"Tool '{self.name}': give 'path' (a file) or 'input'")
        declared = (
            fmt.codec(params.from_encoding, "from_encoding") if params.from_encoding else None
        )
        text, encoding, bom = fmt.decode(data, declared)
        info: dict[str, Any] = {"input_path": params.path, "operation": op}
        if op == "detect":
            guess = _format_of(params.path) or _sniff(text)
            info.update(
                encoding=encoding,
                bom=bom,
                line_ending=fmt.line_ending(text),
                format=guess,
                size=len(data),
                lines=len(text.splitlines()),
            )
            return envelope(op, f"{params.path or 'input'}: {encoding}, {guess or 'text'}", info)
        out_encoding = "utf-8-sig" if bom and encoding == "utf-8" else encoding
        if op == "convert":
            source = params.from_format or _format_of(params.path) or _sniff(text)
            target = params.to_format or _format_of(params.target_path)
            if source is None or target is None:
                missing = "from_format" if source is None else "to_format"
                raise ToolParameterError(
                    f"Tool '{self.name}': parameter '{missing}' is needed (csv, tsv, json, jsonl, "
                    "yaml or toml); it cannot be told from the file name"
                )
            source, target = fmt.FORMATS.get(source, source), fmt.FORMATS.get(target, target)
            value = fmt.parse(source, text, delimiter=params.delimiter, infer=params.infer_types)
            text = fmt.dump(target, value, delimiter=params.delimiter, indent=params.indent)
            info.update(from_format=source, to_format=target)
            out_encoding, message = "utf-8", f"Converted {source} to {target}"
        elif op == "encoding":
            if params.to_encoding is None:
                raise ToolParameterError(f"Tool '{self.name}': parameter 'to_encoding' is needed")
            out_encoding = fmt.codec(params.to_encoding, "to_encoding")
            info.update(from_encoding=encoding, to_encoding=out_encoding, bom=bom)
            message = f"Converted encoding from {encoding} to {out_encoding}"
        elif op == "line_endings":
            if params.line_ending is None:
                raise ToolParameterError(f"Tool '{self.name}': parameter 'line_ending' is needed")
            info.update(previous=fmt.line_ending(text), line_ending=params.line_ending)
            text = re.sub(r"\r\n|\r|\n", _NEWLINES[params.line_ending], text)
            message = f"Converted line endings to {params.line_ending}"
        else:
            text = _indent(text, params.convert_to_spaces, params.tab_size)
            info.update(convert_to_spaces=params.convert_to_spaces, tab_size=params.tab_size)
            message = "Converted indentation to " + (
                "spaces" if params.convert_to_spaces else "tabs"
            )
        if op == "convert" and params.to_encoding:
            out_encoding = fmt.codec(params.to_encoding, "to_encoding")
        try:
            output = text.encode(out_encoding, params.errors)
        except UnicodeEncodeError as exc:
            raise ToolExecutionError(
                f"the text cannot be written as {out_encoding}: {exc.reason} at character "
                f"{exc.start}; pass errors='replace' or 'ignore', or choose another encoding"
            ) from None
        return self._deliver(op, params, ctx, info, output, message)

    @staticmethod
    def _deliver(
        op: str,
        params: Params,
        ctx: ToolContext,
        info: dict[str, Any],
        output: bytes,
        message: str,
    ) -> ToolResult:
        target = params.target_path or (params.path if op != "convert" else None)
        if target is not None:
            ctx.write_bytes(target, output)
            info.update(output_path=target, bytes_written=len(output))
            return envelope(op, f"{message}: wrote {len(output)} bytes to {target}", info)
        try:
            content: str | bytes = output.decode("utf-8")
        except UnicodeDecodeError:
            content = output
        info.update(output_path=None, content=content)
        return envelope(op, message, info, text=content if isinstance(content, str) else message)


def _format_of(path: str | None) -> str | None:
    if not path:
        return None
    suffix = Path(path).suffix.lower().lstrip(".")
    suffix = fmt.FORMATS.get(suffix, suffix)
    return suffix if suffix in ("csv", "tsv", "json", "jsonl", "yaml", "toml") else None


def _sniff(text: str) -> str | None:
    start = text.lstrip()[:1]
    if start in ("{", "["):
        lines = [line for line in text.splitlines() if line.strip()]
        return (
            "jsonl"
            if len(lines) > 1 and all(line.lstrip()[:1] == "{" for line in lines)
            else "json"
        )
    return None


def _indent(text: str, to_spaces: bool, size: int) -> str:
    def fix(match: re.Match[str]) -> str:
        lead = match.group(0).expandtabs(size)
        return lead if to_spaces else "\t" * (len(lead) // size) + " " * (len(lead) % size)

    return re.sub(r"^[ \t]+", fix, text, flags=re.MULTILINE)
