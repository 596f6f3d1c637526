"""hash_calculator: digests of text, bytes and sandboxed files; verify in constant time."""

from __future__ import annotations

import base64
import hashlib
import os

import pytest

from llmspell.core.errors import (
    PathNotAllowed,
    SecurityError,
    ToolExecutionError,
    ToolParameterError,
)

DATA = "LLMSpell Phase 2 Security"


@pytest.mark.parametrize(
    "algorithm", ["md5", "sha1", "sha256", "sha512", "blake2b", "blake2s", "sha3_256"]
)
def test_hashes_text_like_hashlib(invoke, algorithm):
    result = invoke("hash_calculator", operation="hash", algorithm=algorithm, input=DATA)
    expected = hashlib.new(algorithm, DATA.encode()).hexdigest()
    assert result.result == {
        "hash": expected,
        "algorithm": algorithm,
        "format": "hex",
        "input_type": "string",
        "size": len(DATA),
    }
    assert result.text == expected


def test_sha256_is_the_default_and_base64_output(invoke):
    result = invoke("hash_calculator", input="test data", format="base64")
    assert result.result["algorithm"] == "sha256"
    assert result.result["hash"] == base64.b64encode(hashlib.sha256(b"test data").digest()).decode()


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [("SHA-256", "sha256"), ("sha3-512", "sha3_512"), ("Blake2", "blake2b")],
)
def test_algorithm_spellings(invoke, spelling, canonical):
    assert invoke("hash_calculator", input="x", algorithm=spelling).result["algorithm"] == canonical


def test_hex_and_base64_inputs_are_hashed_as_bytes(invoke):
    raw = bytes(range(256))
    from_hex = invoke("hash_calculator", input=raw.hex(), input_type="hex")
    from_b64 = invoke("hash_calculator", input=base64.b64encode(raw).decode(), input_type="base64")
    assert from_hex.result["hash"] == from_b64.result["hash"] == hashlib.sha256(raw).hexdigest()
    with pytest.raises(ToolExecutionError, match="not hex"):
        invoke("hash_calculator", input="zz", input_type="hex")


def test_hashes_a_file_in_the_sandbox(invoke, box):
    payload = os.urandom(4096)
    (box / "blob.bin").write_bytes(payload)
    result = invoke("hash_calculator", file=str(box / "blob.bin"), algorithm="md5")
    assert result.result["hash"] == hashlib.md5(payload).hexdigest()
    assert result.result["input_type"] == "file"
    assert result.result["file"] == str((box / "blob.bin").resolve())
    assert result.result["size"] == 4096
    same = invoke(
        "hash_calculator", input=str(box / "blob.bin"), input_type="file", algorithm="md5"
    )
    assert same.result["hash"] == result.result["hash"]


def test_verify_matches_and_mismatches(invoke):
    digest = hashlib.sha256(DATA.encode()).hexdigest()
    good = invoke("hash_calculator", operation="verify", input=DATA, expected_hash=digest.upper())
    assert good.success
    assert good.result["valid"] is True and good.result["verified"] is True
    assert good.text == "hash matches"

    bad = invoke("hash_calculator", operation="verify", input=DATA + "!", expected_hash=digest)
    assert bad.success  # a negative answer, not a failure
    assert bad.result["valid"] is False
    assert bad.result["expected"] == digest
    assert bad.result["actual"] == hashlib.sha256((DATA + "!").encode()).hexdigest()
    assert bad.result["reason"] == "the data does not match the expected hash"


def test_verify_detects_the_wrong_algorithm_and_reads_base64(invoke):
    md5 = hashlib.md5(DATA.encode()).hexdigest()
    wrong = invoke("hash_calculator", operation="verify", input=DATA, expected_hash=md5)
    assert wrong.result["valid"] is False
    assert "16 bytes but a sha256 digest has 32" in wrong.result["reason"]
    b64 = base64.b64encode(hashlib.sha256(DATA.encode()).digest()).decode()
    ok = invoke("hash_calculator", operation="verify", input=DATA, expected_hash=b64)
    assert (ok.result["valid"], ok.result["format"]) == (True, "base64")


def test_verify_needs_a_readable_expected_hash(invoke):
    with pytest.raises(ToolExecutionError, match="needs 'expected_hash'"):
        invoke("hash_calculator", operation="verify", input=DATA)
    with pytest.raises(ToolExecutionError, match="not valid hex"):
        invoke(
            "hash_calculator",
            operation="verify",
            input=DATA,
            expected_hash="abc",
            expected_format="hex",
        )
    with pytest.raises(ToolExecutionError, match="not valid base64"):
        invoke("hash_calculator", operation="verify", input=DATA, expected_hash="!!not-a-hash!!")


def test_file_escapes_are_refused(invoke, box, outside):
    with pytest.raises(PathNotAllowed, match="allowed_paths"):
        invoke("hash_calculator", file=str(box / ".." / "outside" / "secret.txt"))
    os.symlink(outside / "secret.txt", box / "innocent.txt")
    with pytest.raises(PathNotAllowed):
        invoke("hash_calculator", file=str(box / "innocent.txt"))
    (box / "lib.so").write_bytes(b"\x7fELF")
    with pytest.raises(PathNotAllowed, match="blocked_extensions"):
        invoke("hash_calculator", file=str(box / "lib.so"))


def test_missing_and_oversized_files(make_rt, box):
    rt = make_rt({"tools.file_operations.max_file_size": 100})
    with pytest.raises(ToolExecutionError, match="no such file"):
        rt.tools.invoke("hash_calculator", {"file": str(box / "nope.txt")})
    (box / "big.bin").write_bytes(b"x" * 101)
    with pytest.raises(ToolExecutionError, match="max_file_size"):
        rt.tools.invoke("hash_calculator", {"file": str(box / "big.bin")})
    with pytest.raises(ToolExecutionError, match="max_file_size"):
        rt.tools.invoke("hash_calculator", {"input": "y" * 101})


def test_it_is_a_restricted_tool(make_rt):
    rt = make_rt({"tools.max_security_level": "safe"})
    with pytest.raises(
        SecurityError, match=r"needs security level 'restricted'.*max_security_level"
    ):
        rt.tools.invoke("hash_calculator", {"input": "x"})


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"algorithm": "crc32", "input": "x"}, "algorithm"),
        ({"algorithm": "{{input.algorithm}}", "input": "x"}, "algorithm"),
        ({"format": "binary", "input": "x"}, "format"),
        ({"input_type": "url", "input": "x"}, "input_type"),
        ({"operation": "crack", "input": "x"}, "operation"),
        ({"input": {"a": 1}}, "input"),
    ],
)
def test_bad_parameters_name_the_parameter(invoke, params, name):
    with pytest.raises(ToolParameterError, match=rf"Tool 'hash_calculator'.*'{name}'"):
        invoke("hash_calculator", params)


def test_input_and_file_together_are_ambiguous(invoke, box):
    (box / "a.txt").write_text("a")
    with pytest.raises(ToolExecutionError, match="not both"):
        invoke("hash_calculator", input="a", file=str(box / "a.txt"))


def test_nothing_to_hash(invoke):
    with pytest.raises(ToolExecutionError, match=r"give 'input'.*or 'file'"):
        invoke("hash_calculator")


def test_from_lua(rt):
    md5, sha = rt.run_code(
        """
        local a = Tool.invoke("hash_calculator",
            {operation = "hash", algorithm = "md5", input = "test"})
        local b = Tool.invoke("hash-calculator", {algorithm = "sha256", input = "workflow_started"})
        return a.result.hash, b.result.hash
        """
    )
    assert md5 == "098f6bcd4621d373cade4e832627b4f6"
    assert sha == hashlib.sha256(b"workflow_started").hexdigest()
