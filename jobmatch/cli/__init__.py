"""Command line: ``python -m jobmatch rank --cv CV --offers OFFERS --out OUT.csv``.

One module per group of commands (:mod:`jobmatch.cli.ranking`, :mod:`jobmatch.cli.scraping`,
:mod:`jobmatch.cli.understanding`, :mod:`jobmatch.cli.batch`), their shared helpers in
:mod:`jobmatch.cli.common`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from jobmatch.cli.batch import add_batch_command
from jobmatch.cli.ranking import add_evaluate_command, add_rank_command
from jobmatch.cli.scraping import add_import_command, add_scrape_command
from jobmatch.cli.understanding import (
    add_explain_command,
    add_profile_command,
    add_rewrite_command,
)
from jobmatch.config import Settings
from jobmatch.errors import JobmatchError

EXIT_BAD_INPUT = 2


#: Each adds one sub-command whose parser sets ``handler(args, settings) -> exit code``.
COMMANDS = (
    add_rank_command,
    add_scrape_command,
    add_import_command,
    add_evaluate_command,
    add_profile_command,
    add_rewrite_command,
    add_explain_command,
    add_batch_command,
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
