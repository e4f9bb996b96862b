"""Time facts extraction and anonymisation on real French offers (France Travail records in
``../shared/data``, or ``JOBMATCH_SHARED_DATA``) and on the bundled demo CVs.

Prints, per stage, the number of texts, offers (or CVs) per second, and the mean and p95
milliseconds per text, after one warm-up call that loads the models (its time is printed
apart). Stages: ``extract_facts`` in gazetteer mode (the default), ``anonymise``, and skills
in classifier mode (skill-extractor's MLP over the bundled MiniLM) on the first offers only,
read as English so that the classifier runs (its cost depends on the number of hits).

Usage: ``python -m benchmarks.bench_facts [--limit N] [--classifier-limit M]`` (N offers,
default 500; M offers in classifier mode, default 50).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

from benchmarks.bench_extraction import percentile
from jobmatch.config import DEMO_DIR, Settings
from jobmatch.facts import anonymise, extract_facts
from jobmatch.facts.skills import extract_skills


def timed(label: str, texts: list[str], run: Callable[[str], object]) -> None:
    start = time.perf_counter()
    run(texts[0])
    print(f"{label:<34} warm-up (model loading) {time.perf_counter() - start:7.2f} s")
    seconds = []
    for text in texts:
        start = time.perf_counter()
        run(text)
        seconds.append(time.perf_counter() - start)
    total = sum(seconds)
    print(
        f"{label:<34} {len(texts):>5} texts {len(texts) / total:8.1f} /s "
        f"mean {1000 * total / len(texts):7.1f} ms  p95 {1000 * percentile(seconds, 0.95):7.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=500, help="offers to structure")
    parser.add_argument("--classifier-limit", type=int, default=50, help="offers, classifier")
    args = parser.parse_args()
    path = (
        Settings().shared_data_dir / "france_travail_offers_vimchun" / "france_travail_offers.jsonl"
    )
    if not path.is_file():
        print(f"Skipped: {path} not found (set JOBMATCH_SHARED_DATA).")
        return 0
    lines = [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    records = [json.loads(line) for line in lines[: args.limit]]
    offers = [f"{r.get('intitule', '')}\n{r.get('description', '')}" for r in records]
    cvs = [p.read_text(encoding="utf-8") for p in sorted(DEMO_DIR.glob("cvs/*.txt"))]
    print(
        f"{len(offers)} France Travail offers (mean {sum(map(len, offers)) // len(offers)} chars)"
    )
    timed("extract_facts (gazetteer), offers", offers, extract_facts)
    timed("anonymise, offers", offers, anonymise)
    if cvs:
        timed("extract_facts (gazetteer), demo CVs", cvs, extract_facts)
        timed("anonymise, demo CVs", cvs, anonymise)
    # The classifier's cost depends on the number of gazetteer hits, not on the language:
    # it is timed on the same offers, read as English so that it runs.
    sample = offers[: args.classifier_limit]
    timed(
        "skills (classifier), offers", sample, lambda text: extract_skills(text, "en", "classifier")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
