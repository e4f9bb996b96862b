"""The ``batch`` commands, on Ray: ``batch embed`` (an offer set), ``batch rank`` (many CVs
against an offer set, resumable) and ``batch applicants`` (every applicant of a recruiter's
postings). Ray is imported only when one of them runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jobmatch.cli.common import (
    InputError,
    ProgressBars,
    add_model_options,
    collect_cv_paths,
    read_offers,
    rerank_top_k_from,
)
from jobmatch.config import Settings
from jobmatch.storage import Database


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def _add_ray_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--ray-address",
        default=None,
        help="Ray cluster to join: auto, HOST:6379 or ray://HOST:10001 "
        "(default: JOBMATCH_RAY_ADDRESS, else a local instance on this machine).",
    )
    parser.add_argument(
        "--workers",
        type=_positive,
        default=None,
        help="Worker actors, one CPU each (default: one per CPU of the cluster).",
    )


def _models(args: argparse.Namespace) -> list[str] | None:
    return None if args.models is None else [m for m in args.models.split(",") if m]


def run_batch_embed(args: argparse.Namespace, settings: Settings) -> int:
    """Embed an offer set on Ray into the cache ``rank`` reads."""
    from jobmatch.batch import embed_offers

    offers = read_offers(args.offers)
    database = Database(args.database_url or settings.database_url)
    progress = ProgressBars()
    try:
        run = embed_offers(
            offers,
            settings=settings,
            database=database,
            models=_models(args),
            workers=args.workers,
            vector_store=args.vector_store,
            offers_source=str(args.offers),
            ray_address=args.ray_address,
            progress=progress,
        )
    finally:
        progress.close()
        database.close()
    done = ", ".join(f"{count} embedded by {name}" for name, count in run.embedded.items())
    print(f"{run.offers} offers ready ({done or 'no model'}) (run {run.run_id})", file=sys.stderr)
    return 0


def run_batch_rank(args: argparse.Namespace, settings: Settings) -> int:
    """Rank offers for every CV on Ray, into Parquet shards and the database."""
    from jobmatch.batch.rank import DEFAULT_SHARD_SIZE, rank_cvs

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} is a file; give a folder for the shard files.")
    if args.top_k < 0:
        raise InputError("--top-k must be 0 (all) or a positive number.")
    rerank_top_k = rerank_top_k_from(args, settings)
    offers = read_offers(args.offers)
    database = Database(args.database_url or settings.database_url)
    progress = ProgressBars()
    try:
        run = rank_cvs(
            collect_cv_paths(args.cvs),
            offers,
            out,
            settings=settings,
            database=database,
            models=_models(args),
            reranker=args.reranker,
            rerank_top_k=rerank_top_k,
            top_k=args.top_k,
            workers=args.workers,
            shard_size=args.shard_size or DEFAULT_SHARD_SIZE,
            vector_store=args.vector_store,
            offers_source=str(args.offers),
            ray_address=args.ray_address,
            progress=progress,
        )
    finally:
        progress.close()
        database.close()
    for warning in run.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for file, reason in run.skipped.items():
        print(f"warning: skipped {file}: {reason}", file=sys.stderr)
    print(
        f"Ranked {len(offers)} offers for {run.ranked} CV(s) in {run.shards - run.resumed} "
        f"shard(s), {run.resumed} already written, on {run.workers} worker(s) -> {out} "
        f"(run {run.run_id})",
        file=sys.stderr,
    )
    return 0


def run_batch_applicants(args: argparse.Namespace, settings: Settings) -> int:
    """Rank every applicant of every posting of the recruiter's organisation on Ray."""
    from jobmatch.batch import rank_all_applications
    from jobmatch.batch.applicants import recruiter

    database = Database(args.database_url or settings.database_url)
    progress = ProgressBars()
    try:
        run = rank_all_applications(
            database,
            recruiter(database, args.recruiter),
            settings=settings,
            models=_models(args),
            workers=args.workers,
            ray_address=args.ray_address,
            progress=progress,
        )
    finally:
        progress.close()
        database.close()
    print(
        f"Ranked {sum(run.ranked.values())} application(s) of {len(run.ranked)} posting(s) "
        f"(run {run.run_id})",
        file=sys.stderr,
    )
    return 0


def add_batch_command(commands: argparse._SubParsersAction) -> None:
    """``batch embed|rank|applicants``: the batch jobs, on a local Ray instance or a cluster."""
    batch = commands.add_parser(
        "batch", help="Batch jobs on Ray: embed offers, rank many CVs, rank every applicant."
    )
    jobs = batch.add_subparsers(dest="job", required=True)
    vector_store = {
        "choices": ("faiss", "pgvector"),
        "default": "faiss",
        "help": "Offer vectors for nearest-neighbour search on large sets: faiss (graph beside "
        "the cache, default) or pgvector (the PostgreSQL database).",
    }

    embed = jobs.add_parser("embed", help="Embed an offer set into the cache rank reads.")
    embed.set_defaults(handler=run_batch_embed)
    embed.add_argument("--offers", required=True, help="Offers file (.csv, .jsonl or .json).")
    embed.add_argument(
        "--models", default=None, help="Comma-separated bi-encoders (default: settings)."
    )
    embed.add_argument("--database-url", default=None, help="SQLAlchemy URL (default: settings).")
    embed.add_argument("--vector-store", **vector_store)
    _add_ray_options(embed)

    rank = jobs.add_parser(
        "rank", help="Rank offers for many CVs into Parquet shards; run again to resume."
    )
    rank.set_defaults(handler=run_batch_rank)
    rank.add_argument(
        "--cvs", nargs="+", required=True, metavar="DIR_OR_FILE", help="CV folders or files."
    )
    rank.add_argument("--offers", required=True, help="Offers file (.csv, .jsonl or .json).")
    rank.add_argument(
        "--out", required=True, help="Folder of the shard files (the same folder resumes)."
    )
    rank.add_argument(
        "--top-k",
        type=int,
        default=0,
        help="Keep only the N best offers per CV, in the shards and the database (default: all).",
    )
    rank.add_argument(
        "--shard-size", type=_positive, default=None, help="CVs per shard file (default 8)."
    )
    rank.add_argument("--vector-store", **vector_store)
    add_model_options(rank)
    _add_ray_options(rank)

    applicants = jobs.add_parser(
        "applicants", help="Rank every applicant of every posting of a recruiter's organisation."
    )
    applicants.set_defaults(handler=run_batch_applicants)
    applicants.add_argument("--recruiter", required=True, help="The recruiter's e-mail.")
    applicants.add_argument(
        "--models", default=None, help="Comma-separated bi-encoders (default: settings)."
    )
    applicants.add_argument(
        "--database-url", default=None, help="SQLAlchemy URL (default: settings)."
    )
    _add_ray_options(applicants)
