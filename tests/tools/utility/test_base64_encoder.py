"""base64_encoder: standard and URL-safe, text and bytes, strings and files, inside the sandbox."""

from __future__ import annotations

import base64
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmspell.core.errors import PathNotAllowed, ToolExecutionError, ToolParameterError

PNG_HEADER = bytes.fromhex("89504e470d0a1a0a0000000d49484452")


def test_encode_then_decode_round_trips_text(invoke):
    encoded = invoke("base64_encoder", operation="encode", input="Hello, LLMSpell! 🚀")
    assert encoded.success
    assert encoded.result["output"] == base64.b64encode("Hello, LLMSpell! 🚀".encode()).decode()
    assert encoded.result["encoded"] == encoded.result["output"]
    assert encoded.result["variant"] == "standard"
    assert encoded.result["binary"] is False
    assert encoded.text == encoded.result["output"]
    assert encoded.to_dict()["operation"] == "encode"

    decoded = invoke("base64_encoder", operation="decode", input=encoded.result["output"])
    assert decoded.result["output"] == "Hello, LLMSpell! 🚀"
    assert decoded.result["decoded"] == "Hello, LLMSpell! 🚀"
    assert decoded.result["binary"] is False


def test_encode_is_the_default_operation_and_text_is_an_alias(invoke):
    assert invoke("base64_encoder", text="abc").result["output"] == "YWJj"


def test_url_safe_variant_uses_dash_and_underscore(invoke):
    standard = invoke("base64_encoder", input="fbff", binary_input=True)
    url_safe = invoke("base64_encoder", input="fbff", binary_input=True, variant="url-safe")
    assert standard.result["output"] == "+/8="
    assert url_safe.result["output"] == "-_8="
    assert url_safe.result["variant"] == "url-safe"
    back = invoke("base64_encoder", operation="decode", input="-_8", variant="url_safe")
    assert back.result["output"] == "fbff"
    assert back.result["binary"] is True


def test_decode_tolerates_whitespace_and_missing_padding(invoke):
    result = invoke("base64_encoder", operation="decode", input="SGVsbG8g\nTExNU3BlbGw")
    assert result.result["output"] == "Hello LLMSpell"


def test_decoded_bytes_that_are_not_text_come_back_as_hex(invoke):
    data = base64.b64encode(PNG_HEADER).decode()
    result = invoke("base64_encoder", operation="decode", input=data)
    assert result.result["binary"] is True
    assert result.result["output"] == PNG_HEADER.hex()
    forced = invoke("base64_encoder", operation="decode", input="YWJj", binary_output=True)
    assert (forced.result["output"], forced.result["binary"]) == ("616263", True)


def test_invalid_base64_is_an_error_that_says_so(invoke):
    with pytest.raises(ToolExecutionError, match="not valid Base64"):
        invoke("base64_encoder", operation="decode", input="abc$def")
    with pytest.raises(ToolExecutionError, match="variant='url-safe'"):
        invoke("base64_encoder", operation="decode", input="-_8=")


def test_binary_input_must_be_hex(invoke):
    with pytest.raises(ToolExecutionError, match="must be hex"):
        invoke("base64_encoder", input="not hex", binary_input=True)


def test_missing_input_names_both_choices(invoke):
    with pytest.raises(ToolExecutionError, match=r"'input'.*'input_file'"):
        invoke("base64_encoder", operation="decode")


def test_files_in_and_out(invoke, box):
    (box / "image.png").write_bytes(PNG_HEADER)
    encoded = invoke("base64_encoder", input_file=str(box / "image.png"))
    assert encoded.result["output"] == base64.b64encode(PNG_HEADER).decode()

    (box / "image.b64").write_text(encoded.result["output"])
    written = invoke(
        "base64_encoder",
        operation="decode",
        input_file=str(box / "image.b64"),
        output_file=str(box / "copy.png"),
    )
    assert (box / "copy.png").read_bytes() == PNG_HEADER
    assert written.result["size"] == len(PNG_HEADER)
    assert written.result["output_file"] == str((box / "copy.png").resolve())
    assert "output" not in written.result


@pytest.mark.parametrize("key", ["input_file", "output_file"])
def test_paths_outside_the_sandbox_are_refused(invoke, box, outside, key):
    escape = str(box / ".." / "outside" / "secret.txt")
    params = {"input": "eA=="} if key == "output_file" else {}
    with pytest.raises(PathNotAllowed, match="allowed_paths"):
        invoke("base64_encoder", {**params, key: escape})
    assert (outside / "secret.txt").read_text() == "top secret password\n"


def test_a_symlink_out_of_the_sandbox_is_refused(invoke, box, outside):
    os.symlink(outside / "secret.txt", box / "link.txt")
    with pytest.raises(PathNotAllowed):
        invoke("base64_encoder", input_file=str(box / "link.txt"))


def test_blocked_extension_is_refused(invoke, box):
    with pytest.raises(PathNotAllowed, match="blocked_extensions"):
        invoke("base64_encoder", operation="decode", input="eA==", output_file=str(box / "x.exe"))
    assert not (box / "x.exe").exists()


def test_oversized_input_is_refused(make_rt, box):
    rt = make_rt({"tools.file_operations.max_file_size": 64})
    (box / "big.txt").write_bytes(b"x" * 65)
    with pytest.raises(ToolExecutionError, match="max_file_size"):
        rt.tools.invoke("base64_encoder", {"input_file": str(box / "big.txt")})
    with pytest.raises(ToolExecutionError, match="max_file_size"):
        rt.tools.invoke("base64_encoder", {"input": "x" * 65})
    with pytest.raises(ToolExecutionError, match=r"output .*max_file_size"):
        rt.tools.invoke("base64_encoder", {"input": "x" * 60})  # 80 bytes once encoded


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"operation": "compress", "input": "x"}, "operation"),
        ({"variant": "base32", "input": "x"}, "variant"),
        ({"binary_input": [1], "input": "x"}, "binary_input"),
        ({"input": 42}, "input"),
        ({"inputt": "x"}, "inputt"),
    ],
)
def test_bad_parameters_name_the_parameter(invoke, params, name):
    with pytest.raises(ToolParameterError, match=rf"Tool 'base64_encoder'.*'{name}'"):
        invoke("base64_encoder", params)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=64), variant=st.sampled_from(["standard", "url-safe"]))
def test_any_bytes_round_trip(invoke, data, variant):
    encoded = invoke("base64_encoder", input=data.hex(), binary_input=True, variant=variant)
    decoded = invoke(
        "base64_encoder",
        operation="decode",
        input=encoded.result["output"],
        variant=variant,
        binary_output=True,
    )
    assert bytes.fromhex(decoded.result["output"]) == data


def test_round_trip_from_lua_reads_output_encoded_and_decoded(rt):
    ok, encoded, decoded = rt.run_code(
        """
        local e = Tool.invoke("base64-encoder", {operation = "encode", input = "Hello LLMSpell"})
        local d = Tool.invoke("base64_encoder", {operation = "decode", input = e.result.encoded})
        return d.result.output == "Hello LLMSpell", e.result.output, d.result.decoded
        """
    )
    assert ok is True
    assert encoded == "SGVsbG8gTExNU3BlbGw="
    assert decoded == "Hello LLMSpell"
