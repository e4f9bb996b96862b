"""Time PDF extraction (``jobmatch.documents.extract_document``) on the real PDFs of the shared
data folder (``../shared/data``, or ``JOBMATCH_SHARED_DATA``).

Prints the number of files and pages, total seconds, seconds per page (mean and p95) overall
and per top-level folder, and any file that could not be read. Each file is extracted once,
after one warm-up extraction that is not counted.

Usage: ``python -m benchmarks.bench_extraction [--limit N]`` (``--limit``: at most N files per
folder, default all).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import defaultdict
from pathlib import Path

from jobmatch.config import Settings
from jobmatch.documents import DocumentError, extract_document


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of ``values`` (``share`` in 0–1)."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def summary(label: str, files: int, per_page: list[float]) -> str:
    total = sum(per_page)
    mean = total / len(per_page) if per_page else 0.0
    p95 = percentile(per_page, 0.95) if per_page else 0.0
    return f"{label:<32} {files:>5} {len(per_page):>6} {total:>9.2f} {mean:>10.4f} {p95:>10.4f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="files per folder, 0 = all")
    args = parser.parse_args()
    root = Settings().shared_data_dir
    if not root.is_dir():
        print(f"Skipped: outside data folder not found: {root} (set JOBMATCH_SHARED_DATA).")
        return 0
    by_folder: dict[str, list[Path]] = defaultdict(list)
    for path in sorted(root.rglob("*.pdf")):
        by_folder[path.relative_to(root).parts[0]].append(path)
    if args.limit:
        by_folder = {folder: paths[: args.limit] for folder, paths in by_folder.items()}
    if not by_folder:
        print(f"Skipped: no PDF under {root}.")
        return 0
    extract_document(next(iter(by_folder.values()))[0])  # warm-up: font tables, imports

    # Seconds of each page: a file's time spread evenly over its pages.
    per_page: dict[str, list[float]] = defaultdict(list)
    failures: list[str] = []
    for folder, paths in by_folder.items():
        for path in paths:
            start = time.perf_counter()
            try:
                pages = len(extract_document(path).pages)
            except DocumentError as exc:
                failures.append(f"{path.relative_to(root)}: {type(exc).__name__}: {exc}")
                continue
            seconds = time.perf_counter() - start
            per_page[folder].extend([seconds / pages] * pages)

    header = (
        f"{'folder':<32} {'files':>5} {'pages':>6} {'seconds':>9} {'s/page':>10} {'p95 s/page':>10}"
    )
    print(header)
    print("-" * len(header))
    for folder, paths in by_folder.items():
        print(summary(folder, len(paths), per_page[folder]))
    print("-" * len(header))
    every_page = [value for values in per_page.values() for value in values]
    print(summary("all", sum(len(paths) for paths in by_folder.values()), every_page))
    for failure in failures:
        print(f"not read: {failure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
