"""The LLM layer: backends (the bundled SmolLM2, an OpenAI-compatible server on 127.0.0.1),
structured outputs with retries and fallbacks, and the on-disk cache."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pydantic import BaseModel, Field

from jobmatch.config import Settings
from jobmatch.errors import JobmatchError
from jobmatch.llm import (
    LLMCache,
    LLMError,
    OpenAICompatibleLLM,
    first_json_object,
    generate_structured,
    load_llm,
)


class ScriptedServer:
    """An OpenAI-compatible chat server that streams the next scripted answer per request
    (the last one repeats) and records the requests it received."""

    def __init__(self, answers: Sequence[str]) -> None:
        self.answers = list(answers)
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append({"path": self.path, **body})
                answer = server.answers[min(len(server.requests), len(server.answers)) - 1]
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for start in range(0, len(answer), 7):  # streamed in small pieces
                    delta = {"choices": [{"delta": {"content": answer[start : start + 7]}}]}
                    self.wfile.write(f"data: {json.dumps(delta)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")

            def log_message(self, *args) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}"
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def llm_name(self) -> str:
        """The server's name for :func:`load_llm`."""
        return f"openai:{self.url}#scripted"


@contextmanager
def scripted_server(answers: Sequence[str]) -> Iterator[ScriptedServer]:
    """Run a :class:`ScriptedServer` for the duration of the block."""
    server = ScriptedServer(answers)
    server._thread.start()
    try:
        yield server
    finally:
        server._http.shutdown()
        server._http.server_close()


class City(BaseModel):
    name: str = Field(min_length=2)
    population: int = Field(ge=0)


FALLBACK = City(name="unknown", population=0)
MESSAGES = [{"role": "user", "content": "Largest city of France as JSON?"}]


@pytest.fixture(scope="module")
def smollm2():
    """The bundled SmolLM2 (loaded once)."""
    return load_llm("smollm2")


def test_first_json_object_is_found_in_prose_and_code_fences():
    text = 'Sure! ```json\n{"name": "Paris", "nested": {"a": [1, 2]}}\n``` and {"b": 2}'
    assert first_json_object(text) == {"name": "Paris", "nested": {"a": [1, 2]}}
    assert first_json_object('{broken {"name": "Lyon"}') == {"name": "Lyon"}
    assert first_json_object("no json here [1, 2]") is None


def test_malformed_output_is_retried_with_the_error_then_accepted():
    answers = [
        'Here it is: {"name": "Paris", "population": "many"',
        '{"name": "Paris", "population": 2100000}',
    ]
    with scripted_server(answers) as server:
        pieces: list[str] = []
        result = generate_structured(
            load_llm(server.llm_name), MESSAGES, City, lambda: FALLBACK, on_token=pieces.append
        )
    assert result.source == "llm"
    assert result.value == City(name="Paris", population=2100000)
    assert result.attempts == 2 and len(result.errors) == 1
    assert [r["path"] for r in server.requests] == ["/v1/chat/completions"] * 2
    retry = server.requests[1]["messages"]
    assert retry[:1] == MESSAGES and retry[1]["content"] == answers[0]
    assert "Invalid" in retry[2]["content"] and "population" in retry[2]["content"]
    assert "".join(pieces) == answers[0] + answers[1], "both attempts were streamed"
    assert server.requests[0]["temperature"] == 0.0 and server.requests[0]["stream"] is True


def test_output_still_invalid_after_the_retries_falls_back():
    with scripted_server(['{"name": "P", "population": -1}']) as server:
        result = generate_structured(
            load_llm(server.llm_name), MESSAGES, City, lambda: FALLBACK, retries=2
        )
    assert result.source == "fallback" and result.value == FALLBACK
    assert result.attempts == 3 and len(server.requests) == 3 and len(result.errors) == 3


def test_no_model_or_an_unreachable_server_falls_back_without_raising():
    assert generate_structured(None, MESSAGES, City, lambda: FALLBACK).attempts == 0
    with scripted_server(["{}"]) as server:
        url = server.url
    unreachable = OpenAICompatibleLLM(url, timeout=5)
    with pytest.raises(LLMError) as raised:
        unreachable.generate(MESSAGES)
    assert isinstance(raised.value, JobmatchError) and url in str(raised.value)
    result = generate_structured(unreachable, MESSAGES, City, lambda: FALLBACK)
    assert result.source == "fallback" and url in result.errors[0]


def test_valid_outputs_are_cached_by_model_prompt_version_and_input(tmp_path):
    cache = LLMCache(tmp_path / "llm")
    answer = '{"name": "Paris", "population": 2100000}'
    with scripted_server([answer]) as server:
        llm = load_llm(server.llm_name)
        first = generate_structured(llm, MESSAGES, City, lambda: FALLBACK, cache=cache)
        again = generate_structured(llm, MESSAGES, City, lambda: FALLBACK, cache=cache)
        assert len(server.requests) == 1
        assert again.value == first.value and (again.source, again.attempts) == ("llm", 0)
        generate_structured(llm, MESSAGES, City, lambda: FALLBACK, cache=cache, prompt_version="v2")
        other = [{"role": "user", "content": "Another question"}]
        generate_structured(llm, other, City, lambda: FALLBACK, cache=cache)
        assert len(server.requests) == 3
    stored = sorted((tmp_path / "llm").rglob("*.json"))
    assert len(stored) == 3 and not list((tmp_path / "llm").rglob("*.tmp"))
    assert all(City.model_validate_json(p.read_text()) == first.value for p in stored)


def test_load_llm_parses_names_and_reads_the_default_from_settings():
    server = load_llm("openai:http://127.0.0.1:9/#qwen2.5:1.5b")
    assert isinstance(server, OpenAICompatibleLLM)
    assert (server.base_url, server.model) == ("http://127.0.0.1:9", "qwen2.5:1.5b")
    assert load_llm(settings=Settings(llm="openai:http://127.0.0.1:9/#qwen2.5:1.5b")) is server
    missing = load_llm("llama-cpp:/nonexistent/model.gguf")
    with pytest.raises(LLMError, match="GGUF file not found"):
        missing.generate(MESSAGES)
    with pytest.raises(LLMError):
        load_llm("")


def test_bundled_smollm2_is_greedy_deterministic_and_streams(smollm2):
    messages = [{"role": "user", "content": "Say hello in one word."}]
    pieces: list[str] = []
    streamed = smollm2.generate(messages, max_new_tokens=6, on_token=pieces.append)
    assert streamed.strip() and "".join(pieces) == streamed
    assert smollm2.generate(messages, max_new_tokens=6) == streamed
    assert smollm2.name.startswith("smollm2/")


def test_llama_cpp_backend_runs_the_bundled_gguf_when_installed():
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is an optional backend")
    llm = load_llm("llama-cpp:")
    messages = [{"role": "user", "content": "Say hello in one word."}]
    pieces: list[str] = []
    text = llm.generate(messages, max_new_tokens=6, on_token=pieces.append)
    assert text.strip() and "".join(pieces) == text
    assert llm.generate(messages, max_new_tokens=6) == text
