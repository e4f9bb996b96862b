"""The local LLM layer: backends behind one interface, structured outputs with retries,
fallbacks and an on-disk cache."""

from jobmatch.llm.backends import (
    LLM,
    SMOLLM2,
    LlamaCppLLM,
    LLMError,
    OpenAICompatibleLLM,
    TokenCallback,
    TransformersLLM,
    bundled_gguf,
    load_llm,
)
from jobmatch.llm.structured import LLMCache, Structured, first_json_object, generate_structured

__all__ = [
    "LLM",
    "SMOLLM2",
    "LLMCache",
    "LLMError",
    "LlamaCppLLM",
    "OpenAICompatibleLLM",
    "Structured",
    "TokenCallback",
    "TransformersLLM",
    "bundled_gguf",
    "first_json_object",
    "generate_structured",
    "load_llm",
]
