"""Structured outputs: JSON validated by a pydantic schema, retried, cached, else a fallback."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from jobmatch.artifacts import atomic_write_text
from jobmatch.config import Settings
from jobmatch.llm.backends import LLM, LLMError, Messages, TokenCallback

T = TypeVar("T", bound=BaseModel)


@dataclass
class Structured(Generic[T]):
    """A validated value and where it came from.

    Args:
        value: The value (always valid).
        source: ``"llm"`` (generated now or read from the cache) or ``"fallback"``.
        attempts: LLM calls made (0: fallback at once, or a cache hit).
        errors: Why each failed attempt was rejected.
    """

    value: T
    source: str
    attempts: int
    errors: list[str] = field(default_factory=list)


class LLMCache:
    """Validated LLM outputs on disk, one JSON file per (model, prompt version, input hash),
    written atomically.

    Args:
        folder: Where the files live (e.g. ``Settings().cache_dir / "llm"``).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    @staticmethod
    def key(model: str, prompt_version: str, payload: Any) -> str:
        """The key of one output: changes with the model, the prompt version or the input."""
        text = json.dumps([model, prompt_version, payload], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> str | None:
        """The stored JSON text, or ``None``."""
        path = self._path(key)
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def put(self, key: str, value: str) -> None:
        """Store JSON text under ``key``."""
        atomic_write_text(self._path(key), value)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> LLMCache:
        """The cache under ``settings.cache_dir / "llm"`` (default ``Settings()``)."""
        return cls((settings or Settings()).cache_dir / "llm")


def first_json_object(text: str) -> dict | None:
    """The first JSON object in ``text`` (models often wrap it in prose or code fences)."""
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            value, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
            continue
        if isinstance(value, dict):
            return value
        start = text.find("{", start + 1)
    return None


def generate_structured(
    llm: LLM | None,
    messages: Messages,
    schema: type[T],
    fallback: Callable[[], T],
    *,
    retries: int = 1,
    max_new_tokens: int = 384,
    context: Mapping[str, Any] | None = None,
    cache: LLMCache | None = None,
    prompt_version: str = "",
    on_token: TokenCallback | None = None,
) -> Structured[T]:
    """Ask ``llm`` for one JSON object valid against ``schema``; never raises for bad output.

    The first JSON object of the answer is validated; on failure the chat is retried with the
    error appended, and after ``retries`` retries ``fallback()`` is returned. An LLM that
    cannot be loaded or reached counts as a failure too.

    Args:
        llm: The model, or ``None`` for the fallback at once.
        messages: The chat.
        schema: A pydantic model.
        fallback: Builds the deterministic value.
        retries: Extra attempts after the first. Default 1.
        max_new_tokens: Longest answer. Default 384.
        context: Passed to pydantic validators (``info.context``). Default none.
        cache: Where validated outputs are kept, keyed by (model, ``prompt_version``, chat).
            Default none.
        prompt_version: Part of the cache key; bump it when a prompt changes. Default ``""``.
        on_token: Streams the generated text. Default none.

    Returns:
        The value, its source, the attempts made and the errors met.
    """
    if llm is None:
        return Structured(fallback(), "fallback", 0)
    key = LLMCache.key(llm.name, prompt_version, messages) if cache is not None else ""
    if cache is not None and (stored := cache.get(key)) is not None:
        try:
            return Structured(schema.model_validate_json(stored, context=context), "llm", 0)
        except ValidationError:
            pass  # a stale entry (schema changed): generate again and overwrite it
    chat = list(messages)
    errors: list[str] = []
    for attempt in range(1, retries + 2):
        try:
            answer = llm.generate(chat, max_new_tokens=max_new_tokens, on_token=on_token)
        except LLMError as exc:
            errors.append(str(exc))
            return Structured(fallback(), "fallback", attempt, errors)
        found = first_json_object(answer)
        try:
            if found is None:
                raise ValueError("no JSON object found")
            value = schema.model_validate(found, context=context)
        except (ValidationError, ValueError) as exc:
            error = " ".join(str(exc).split())[:500]
            errors.append(error)
            chat += [
                {"role": "assistant", "content": answer},
                {
                    "role": "user",
                    "content": f"Invalid: {error}. Answer with one JSON object only, keys: "
                    + ", ".join(schema.model_fields),
                },
            ]
            continue
        if cache is not None:
            cache.put(key, value.model_dump_json())
        return Structured(value, "llm", attempt, errors)
    return Structured(fallback(), "fallback", retries + 1, errors)
