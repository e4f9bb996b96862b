"""The ``rank`` and ``evaluate`` commands: offers ranked for CVs, metrics on labelled sets."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jobmatch.artifacts import atomic_write_csv
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
from jobmatch.config import Settings
from jobmatch.pipeline import rank_documents
from jobmatch.storage import Database


def run_rank(args: argparse.Namespace, settings: Settings) -> int:
    """Rank offers for each CV, write the CSV, and record the run in the database."""
    if args.top_k < 0:
        raise InputError("--top-k must be 0 (all) or a positive number.")
    if Path(args.out).is_dir():
        raise InputError(f"--out {args.out} is a folder; give a file name such as matches.csv.")
    top_k = rerank_top_k_from(args, settings)
    documents = extract_cvs(collect_cv_paths(args.cvs or [args.cv]), settings)
    offers = read_offers(args.offers)
    database = Database(args.database_url or settings.database_url)
    progress = ProgressBars()
    try:
        run = rank_documents(
            documents,
            offers,
            settings=settings,
            database=database,
            embedders=embedders_from(args, settings),
            reranker=reranker_from(args, settings) if top_k else None,
            rerank_top_k=top_k,
            offers_source=str(args.offers),
            progress=progress,
            explain_features=args.explain_features,
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
    add_model_options(rank)
    rank.add_argument(
        "--explain-features",
        action="store_true",
        help="Add the learned model's features to the output as feature[<name>] columns.",
    )
    rank.add_argument(
        "--no-llm",
        action="store_true",
        help="Never call an LLM (ranking uses none; kept for the stable contract).",
    )


def run_evaluate(args: argparse.Namespace, settings: Settings) -> int:
    """Score labelled sets with every system and write the report (Markdown, CSV, figures)."""
    from jobmatch.matching.evaluation import read_pairs, read_ranking, run_evaluation

    top_k = rerank_top_k_from(args, settings)
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
        from jobmatch.matching.train import dev_sets

        root = Path(args.dev) if args.dev else settings.shared_data_dir
        found = dev_sets(root, args.split, seed=args.seed)
        if not found:
            raise InputError(f"No development data found under {root}.")
        sets += found
    if not sets:
        raise InputError("Nothing to evaluate: give --pairs, --ranking or --dev.")
    database = Database(args.database_url or settings.database_url)
    progress = ProgressBars()
    try:
        run = run_evaluation(
            sets,
            settings=settings,
            database=database,
            embedders=embedders_from(args, settings),
            reranker=reranker_from(args, settings),
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
    add_model_options(evaluate)
