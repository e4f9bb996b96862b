"""Peak memory and time of ``python -m jobmatch rank`` on the hostile corpus's huge inputs.

Usage: ``python -m benchmarks.bench_hostile``

Each case runs as its own process (fresh data folder, cold caches, models loaded inside the
timing) with the bundled bi-encoder and the cross-encoder on the 4 best offers, so every model
reads the inputs: a normal CV against small offers (the reference), the 1 MB single-line CV,
and a normal CV against offers holding a 5 MB description (``tests/hostile/corpus.py``).
Printed: wall seconds and peak resident memory (the child's own ``ru_maxrss``) per case.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.hostile.corpus import generate

NORMAL_CV = "Data analyst — Python, SQL, Power BI, analyse de données, 4 ans d'expérience.\n"


def measure(cv: Path, offers: Path, folder: Path) -> tuple[float, float]:
    """Seconds and peak GB of one ``rank`` run in a child process."""
    env = {**os.environ, "JOBMATCH_DATA_DIR": str(folder), "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "jobmatch", "rank", "--cv", str(cv), "--offers"]
    command += [str(offers), "--out", str(folder / "m.csv"), "--reranker", "bundled"]
    command += ["--rerank-top-k", "4"]
    log = folder / "stderr.log"
    folder.mkdir(parents=True)
    started = time.perf_counter()
    with log.open("wb") as stderr:
        child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own peak, not the largest yet
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(log.read_text())
    return seconds, usage.ru_maxrss / 1e6


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        corpus = generate(root / "corpus")
        normal = root / "cv.txt"
        normal.write_text(NORMAL_CV, encoding="utf-8")
        small_offers = corpus["offers_empty_description.jsonl"]
        cases = [
            ("normal CV, 3 offers", normal, small_offers),
            ("1 MB single-line CV, 3 offers", corpus["cv_1mb_single_line.txt"], small_offers),
            (
                "normal CV, offers with a 5 MB description",
                normal,
                corpus["offers_5mb_description.jsonl"],
            ),
        ]
        print(f"{'case':<45} {'seconds':>8} {'peak GB':>8}")
        for number, (label, cv, offers) in enumerate(cases):
            seconds, peak = measure(cv, offers, root / f"run{number}")
            print(f"{label:<45} {seconds:>8.1f} {peak:>8.2f}")


if __name__ == "__main__":
    main()
