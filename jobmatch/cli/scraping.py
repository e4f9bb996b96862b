"""The ``scrape`` and ``import`` commands: offers into the database, from HelloWork or a file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from jobmatch.cli.common import read_offers
from jobmatch.config import Settings
from jobmatch.imports import FORMATS
from jobmatch.scraping.hellowork import BASE_URL, SINCE, SearchQuery
from jobmatch.scraping.scraper import ScrapeOptions, scrape
from jobmatch.storage import Database


def run_scrape(args: argparse.Namespace, settings: Settings) -> int:
    """Search HelloWork and store the offers, with a progress bar on stderr."""
    query = SearchQuery(
        keywords=args.keywords,
        location=args.location,
        contracts=tuple(
            name.strip() for value in args.contract for name in value.split(",") if name.strip()
        ),
        since=args.since,
        max_offers=args.max,
    )
    options = ScrapeOptions(
        base_url=args.base_url,
        min_interval=args.min_interval,
        timeout=args.timeout,
        accept_cookies=args.accept_cookies,
    )
    database = Database(args.database_url or settings.database_url)
    bar = tqdm(total=query.max_offers, unit="offer", file=sys.stderr, leave=False)

    def progress(done: int, total: int, message: str) -> None:
        bar.total = total
        bar.set_postfix_str(message[:60], refresh=False)
        bar.update(done - bar.n)

    try:
        report = scrape(query, database, options=options, progress=progress)
    finally:
        bar.close()
        database.close()
    for failure in report.failed:
        print(f"warning: {failure}", file=sys.stderr)
    print(f"{report.summary()} (run {report.run_id})", file=sys.stderr)
    return 0


def add_scrape_command(commands: argparse._SubParsersAction) -> None:
    """``scrape``: HelloWork offers into the database."""
    parser = commands.add_parser(
        "scrape", help="Search HelloWork in a headless Chromium and store the offers."
    )
    parser.set_defaults(handler=run_scrape)
    parser.add_argument("--keywords", default="", help="What to search, e.g. 'data engineer'.")
    parser.add_argument("--location", default="", help="City, department or region.")
    parser.add_argument(
        "--contract",
        action="append",
        default=[],
        help="Contract type (CDI, CDD, stage, alternance, intérim, freelance…); repeat it or "
        "separate with commas (default: all).",
    )
    parser.add_argument(
        "--since", choices=list(SINCE), default="all", help="Publication date (default: all)."
    )
    parser.add_argument(
        "--max", type=int, default=50, help="Stop after this many offers (default: 50)."
    )
    parser.add_argument("--base-url", default=BASE_URL, help=f"Site root (default: {BASE_URL}).")
    parser.add_argument(
        "--min-interval",
        type=float,
        default=ScrapeOptions.min_interval,
        help="Seconds between two requests (default: %(default)s).",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=ScrapeOptions.timeout,
        help="Seconds to wait for a page (default: %(default)s).",
    )
    parser.add_argument(
        "--accept-cookies",
        action="store_true",
        help="Accept the site's cookie banner (default: refuse it).",
    )
    parser.add_argument("--database-url", default=None, help="SQLAlchemy URL (default: settings).")


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    """Store the offers of a file (offers-file columns or France Travail records)."""
    path = Path(args.file)
    offers = read_offers(path, args.format)
    with Database(args.database_url or settings.database_url) as database:
        database.upsert_offers(offers, source=path.name)
    print(f"Imported {len(offers)} offers from {path}", file=sys.stderr)
    return 0


def add_import_command(commands: argparse._SubParsersAction) -> None:
    """``import``: offers of a CSV / JSONL / JSON file into the database."""
    parser = commands.add_parser(
        "import", help="Add the offers of a file (CSV, JSONL, JSON; France Travail records too)."
    )
    parser.set_defaults(handler=run_import)
    parser.add_argument("--file", required=True, help="The offers file.")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="auto",
        help="offers: id,title,company,location,description columns; france-travail: France "
        "Travail API records; auto (default): recognise them.",
    )
    parser.add_argument("--database-url", default=None, help="SQLAlchemy URL (default: settings).")
