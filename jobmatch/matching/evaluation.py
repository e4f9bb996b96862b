"""Validation: every score checked against labels, with bootstrap intervals, and a report.

Used by ``python -m jobmatch evaluate`` and by the app. A labelled set is either a list of
judged (CV, offer) pairs or a ranking set (each CV against every offer of the set). Each set
is scored as in production (:func:`score_set`): the first stage ranks the set's offers for
each CV, the cross-encoder reads the judged pairs (pair sets) or the first stage's top-K
(ranking sets), and :mod:`jobmatch.matching.calibration` gives the final score. Five systems are
compared, all on 0–100: TF-IDF alone (the baseline, computed in the same run), the
bi-encoder, the first stage, the cross-encoder and the final score.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import pearsonr, rankdata, spearmanr

from jobmatch.artifacts import atomic_write_csv, atomic_write_text
from jobmatch.config import Settings
from jobmatch.documents import extract_document, safe_filename
from jobmatch.embeddings import Embedder, EmbeddingCache
from jobmatch.errors import JobmatchError
from jobmatch.i18n import N_, _, ngettext
from jobmatch.i18n import number as localised
from jobmatch.insights import count_tick_step
from jobmatch.matching.calibration import BANDS
from jobmatch.matching.ranking import FirstStageRanker
from jobmatch.matching.reranking import Reranker, rerank_matches
from jobmatch.offers import Offer, content_id, load_offers
from jobmatch.storage import Database

#: Score columns of a scored set, in report order, and their labels.
SYSTEMS: dict[str, str] = {
    "tfidf": "TF-IDF",
    "bi_encoder": "bi-encoder",
    "first_stage": "first stage",
    "cross_encoder": "cross-encoder",
    "final": "final",
}
#: Each system as people read it, and what it is (translated when shown).
SYSTEM_LABELS: dict[str, tuple[str, str]] = {
    "tfidf": (N_("Shared words (TF-IDF)"), N_("The baseline: words the CV and the offer share.")),
    "bi_encoder": (
        N_("Bi-encoder"),
        N_("Closeness in meaning of the CV and the offer, each read on its own."),
    ),
    "first_stage": (
        N_("First stage"),
        N_("The learned model over every signal: the final score unless reranked."),
    ),
    "cross_encoder": (
        N_("Cross-encoder"),
        N_("The model that reads the CV and the offer together."),
    ),
    "final": (N_("Final score"), N_("The score the app sorts offers by.")),
}
#: Each metric as people read it, and what it measures (translated when shown).
METRIC_LABELS: dict[str, tuple[str, str]] = {
    "precision": (
        N_("Precision"),
        N_("Of the pairs scored at or above the threshold, the share that are matches."),
    ),
    "recall": (N_("Recall"), N_("Of the matches, the share scored at or above the threshold.")),
    "f1": (N_("F1"), N_("Precision and recall at the threshold, combined (harmonic mean).")),
    "best_threshold": (
        N_("Best threshold"),
        N_("The threshold (0–100) that gives the best F1 on these labels."),
    ),
    "best_precision": (N_("Precision at the best threshold"), N_("Precision, at that threshold.")),
    "best_recall": (N_("Recall at the best threshold"), N_("Recall, at that threshold.")),
    "best_f1": (N_("Best F1"), N_("F1, at that threshold.")),
    "average_precision": (
        N_("Average precision"),
        N_("How high the matches come when pairs are sorted by the score (1: all first)."),
    ),
    "roc_auc": (
        N_("ROC AUC"),
        N_("The chance that a match scores above a non-match (0.5: a coin toss; 1: always)."),
    ),
    "ndcg@10": (
        N_("nDCG@10"),
        N_("How good each CV's first ten offers are, better matches counting more (1: ideal)."),
    ),
    "map": (N_("MAP"), N_("Average precision per CV, averaged over the CVs.")),
    "pearson": (N_("Pearson correlation"), N_("Linear correlation of the score with the label.")),
    "spearman": (N_("Spearman correlation"), N_("Rank correlation of the score with the label.")),
}
#: How the app writes the metrics that are no share of 0–1: (scale, decimals, unit); the
#: others are whole percentages.
METRIC_FORMATS = {"best_threshold": (1, 0, ""), "pearson": (1, 2, ""), "spearman": (1, 2, "")}
#: Metrics in report order.
METRICS = (
    "precision",
    "recall",
    "f1",
    "best_threshold",
    "best_precision",
    "best_recall",
    "best_f1",
    "average_precision",
    "roc_auc",
    "ndcg@10",
    "map",
    "pearson",
    "spearman",
)
#: Scores of offers the cross-encoder did not read, in its column of a ranking set: below every
#: reranked offer, in first-stage order (first-stage score − 100).
NOT_RERANKED_OFFSET = -100.0
#: Files a cell of a labelled CSV may name instead of holding the text.
DOCUMENT_SUFFIXES = frozenset({".pdf", ".docx", ".txt"})


@dataclass(frozen=True)
class LabelledSet:
    """CVs, offers and judgements.

    Args:
        name: Short name used in reports.
        kind: ``"pairs"`` (only the judged pairs are scored) or ``"ranking"`` (each CV against
            every offer; unjudged pairs count as label 0).
        cvs: CV id → CV text.
        offers: The offers (the first stage's TF-IDF learns its IDF on them).
        judgements: Columns ``cv_id``, ``offer_id``, ``label`` (binary or graded).
        positive_threshold: Labels at or above it are matches. Default 0.5.
        description: One line on where the set comes from. Default ``""``.
    """

    name: str
    kind: Literal["pairs", "ranking"]
    cvs: Mapping[str, str]
    offers: Sequence[Offer]
    judgements: pd.DataFrame
    positive_threshold: float = 0.5
    description: str = ""


# --- Metrics ----------------------------------------------------------------------------------


def precision_recall_f1(
    relevant: np.ndarray, scores: np.ndarray, threshold: float
) -> tuple[float, float, float]:
    """Precision, recall and F1 when scores at or above ``threshold`` are predicted matches
    (precision is 0 when nothing is predicted)."""
    relevant = np.asarray(relevant, dtype=bool)
    predicted = np.asarray(scores) >= threshold
    hits = float(np.sum(predicted & relevant))
    precision = hits / predicted.sum() if predicted.any() else 0.0
    recall = hits / relevant.sum() if relevant.any() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _descending(
    relevant: np.ndarray, scores: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True positives, predicted positives and the threshold at each distinct score, highest
    first."""
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    sorted_scores = np.asarray(scores, dtype=np.float64)[order]
    hits = np.cumsum(np.asarray(relevant, dtype=bool)[order])
    last = np.r_[np.flatnonzero(np.diff(sorted_scores)), len(sorted_scores) - 1]
    return hits[last], last + 1, sorted_scores[last]


def best_f1(relevant: np.ndarray, scores: np.ndarray) -> tuple[float, float, float, float]:
    """The threshold with the highest F1, and its precision, recall and F1."""
    relevant = np.asarray(relevant, dtype=bool)
    if not relevant.any():
        return float("nan"), 0.0, 0.0, 0.0
    hits, predicted, thresholds = _descending(relevant, scores)
    precision, recall = hits / predicted, hits / relevant.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(hits > 0, 2 * precision * recall / (precision + recall), 0.0)
    best = int(np.argmax(f1))
    return float(thresholds[best]), float(precision[best]), float(recall[best]), float(f1[best])


def average_precision(relevant: np.ndarray, scores: np.ndarray) -> float:
    """Area under the precision-recall step curve (ties share one threshold, as in
    scikit-learn); NaN without a match."""
    relevant = np.asarray(relevant, dtype=bool)
    if not relevant.any():
        return float("nan")
    hits, predicted, _ = _descending(relevant, scores)
    recall_gain = np.diff(np.r_[0, hits]) / relevant.sum()
    return float(np.sum(recall_gain * hits / predicted))


def roc_auc(relevant: np.ndarray, scores: np.ndarray) -> float:
    """Probability that a match outscores a non-match (ties count half); NaN with one class."""
    relevant = np.asarray(relevant, dtype=bool)
    positives, negatives = int(relevant.sum()), int((~relevant).sum())
    if not positives or not negatives:
        return float("nan")
    ranks = rankdata(scores)
    return float(
        (ranks[relevant].sum() - positives * (positives + 1) / 2) / (positives * negatives)
    )


def ndcg_at(labels: np.ndarray, scores: np.ndarray, k: int = 10) -> float:
    """nDCG@k of one list with gains = labels and log2 discounts; tied scores share their
    positions' average discount (as in scikit-learn). NaN when no label is positive."""
    labels = np.asarray(labels, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    if not (labels > 0).any():
        return float("nan")
    discount = np.zeros(len(labels))
    discount[:k] = 1 / np.log2(np.arange(2, min(k, len(labels)) + 2))
    order = np.argsort(-scores, kind="stable")
    sorted_scores, sorted_labels = scores[order], labels[order]
    dcg, start = 0.0, 0
    for end in np.r_[np.flatnonzero(np.diff(sorted_scores)) + 1, len(scores)]:
        dcg += sorted_labels[start:end].mean() * discount[start:end].sum()
        start = end
    ideal = float(np.sort(labels)[::-1] @ discount)
    return dcg / ideal


def _correlation(method: Callable, labels: np.ndarray, scores: np.ndarray) -> float:
    if np.ptp(labels) == 0 or np.ptp(scores) == 0:
        return float("nan")
    return float(method(labels, scores).statistic)


def _pooled(
    labels: np.ndarray, relevant: np.ndarray, scores: np.ndarray, threshold: float
) -> dict[str, float]:
    """The metrics computed over all pairs at once (not per CV)."""
    best = best_f1(relevant, scores)
    return {
        **dict(
            zip(
                ("precision", "recall", "f1"),
                precision_recall_f1(relevant, scores, threshold),
                strict=True,
            )
        ),
        **dict(
            zip(("best_threshold", "best_precision", "best_recall", "best_f1"), best, strict=True)
        ),
        "average_precision": average_precision(relevant, scores),
        "roc_auc": roc_auc(relevant, scores),
        "pearson": _correlation(pearsonr, labels, scores),
        "spearman": _correlation(spearmanr, labels, scores),
    }


def metric_table(
    scored: pd.DataFrame,
    kind: Literal["pairs", "ranking"],
    threshold: float = 50.0,
    bootstrap: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Every metric of every system with a 95 % bootstrap interval.

    Resampling is by CV (pairs of one CV are not independent): pooled metrics are recomputed
    on each resample, per-CV metrics (nDCG@10, MAP) are averaged over the resampled CVs.

    Args:
        scored: :func:`score_set` output.
        kind: The set's kind (MAP is reported for ranking sets only).
        threshold: The chosen 0–100 threshold for precision, recall and F1. Default 50.
        bootstrap: Resamples. Default 1000.
        seed: Seed of the resampling. Default 0.

    Returns:
        Columns ``system``, ``metric``, ``value``, ``low``, ``high``; systems whose column
        has gaps (no bi-encoder, no reranker) are left out.
    """
    groups = list(scored.groupby("cv_id", sort=False).indices.values())
    labels = scored["label"].to_numpy(dtype=np.float64)
    relevant = scored["relevant"].to_numpy(dtype=bool)
    rng = np.random.default_rng(seed)
    samples = [rng.integers(0, len(groups), len(groups)) for _ in range(bootstrap)]
    rows = []
    for system in [s for s in SYSTEMS if scored[s].notna().all()]:
        scores = scored[system].to_numpy(dtype=np.float64)
        per_group = {
            "ndcg@10": np.array(
                [ndcg_at(labels[g], scores[g]) if len(g) > 1 else np.nan for g in groups]
            ),
            "map": np.array([average_precision(relevant[g], scores[g]) for g in groups]),
        }
        if kind == "pairs":
            del per_group["map"]
        point = _pooled(labels, relevant, scores, threshold)
        point |= {
            name: float(np.nanmean(v)) if np.isfinite(v).any() else np.nan
            for name, v in per_group.items()
        }
        draws: dict[str, list[float]] = {name: [] for name in point}
        for sample in samples:
            index = np.concatenate([groups[i] for i in sample])
            for name, value in _pooled(
                labels[index], relevant[index], scores[index], threshold
            ).items():
                draws[name].append(value)
            for name, values in per_group.items():
                chosen = values[sample]
                draws[name].append(
                    float(np.nanmean(chosen)) if np.isfinite(chosen).any() else np.nan
                )
        for name in METRICS:
            if name not in point:
                continue
            values = np.array(draws[name], dtype=np.float64)
            values = values[np.isfinite(values)]
            low, high = np.percentile(values, [2.5, 97.5]) if len(values) else (np.nan, np.nan)
            rows.append(
                {"system": system, "metric": name, "value": point[name], "low": low, "high": high}
            )
    return pd.DataFrame(rows)


def reliability_table(
    scores: np.ndarray, relevant: np.ndarray, edges: Sequence[float] = tuple(range(0, 101, 10))
) -> pd.DataFrame:
    """Predicted versus observed match rate per score bin (for 0–100 probability scores).

    Returns:
        Columns ``low``, ``high``, ``pairs``, ``mean_score``, ``match_rate`` (both in %);
        empty bins are left out.
    """
    scores = np.asarray(scores, dtype=np.float64)
    relevant = np.asarray(relevant, dtype=bool)
    index = np.clip(np.searchsorted(edges, scores, side="right") - 1, 0, len(edges) - 2)
    rows = [
        {
            "low": edges[i],
            "high": edges[i + 1],
            "pairs": int((index == i).sum()),
            "mean_score": float(scores[index == i].mean()),
            "match_rate": 100.0 * float(relevant[index == i].mean()),
        }
        for i in range(len(edges) - 1)
        if (index == i).any()
    ]
    return pd.DataFrame(rows)


def expected_calibration_error(table: pd.DataFrame) -> float:
    """Pair-weighted mean gap between mean score and match rate of a reliability table, in
    points of %."""
    gaps = (table["mean_score"] - table["match_rate"]).abs()
    return float((gaps * table["pairs"]).sum() / table["pairs"].sum())


def band_table(scores: np.ndarray, relevant: np.ndarray) -> pd.DataFrame:
    """Observed match rate in each band of :data:`jobmatch.matching.calibration.BANDS`."""
    edges = [lowest for _, lowest in reversed(BANDS)] + [100.0 + 1e-9]
    table = reliability_table(scores, relevant, edges)
    names = {lowest: name for name, lowest in BANDS}
    table.insert(0, "band", [names[low] for low in table["low"]])
    table["high"] = table["high"].clip(upper=100.0)
    return table.iloc[::-1].reset_index(drop=True)


# --- Scoring a set ----------------------------------------------------------------------------


def score_set(
    labelled: LabelledSet,
    embedders: Sequence[Embedder],
    reranker: Reranker | None,
    top_k: int,
    cache: EmbeddingCache | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> pd.DataFrame:
    """Score the judged pairs of a set with every system, as the rank command would.

    Args:
        labelled: The set.
        embedders: Bi-encoders of the first stage.
        reranker: Cross-encoder (``None``: its column is empty and ``final`` uses the first
            stage only).
        top_k: Ranking sets: offers reranked per CV. Pair sets: every judged pair is reranked.
        cache: Embedding cache. Default none.
        progress: Optional ``(stage, done, total)`` callback.

    Returns:
        One row per judged pair (ranking sets: per (CV, offer)) with ``cv_id``, ``offer_id``,
        ``label``, ``relevant``, ``reranked``, one 0–100 column per system of :data:`SYSTEMS`,
        ``band`` and ``cross_logit`` (the reranker's raw output, NaN when not reranked).
    """
    ranker = FirstStageRanker(embedders, cache=cache)
    texts = {offer.id: offer.text for offer in labelled.offers}
    judged = labelled.judgements.astype({"cv_id": str, "offer_id": str})
    frames = []
    for number, (cv_id, judgements) in enumerate(judged.groupby("cv_id", sort=False), start=1):
        if progress is not None:
            progress(f"Scoring {labelled.name}", number - 1, judged["cv_id"].nunique())
        cv_text = labelled.cvs[cv_id]
        first = ranker.rank(cv_text, labelled.offers)
        if labelled.kind == "pairs":
            wanted = set(judgements["offer_id"])
            first = first[first["offer_id"].isin(wanted)].reset_index(drop=True)
            k = len(first)
        else:
            k = top_k
        frame = rerank_matches(first, cv_text, texts, reranker, k)
        frame = frame.merge(
            judgements, on="offer_id", how="left" if labelled.kind == "ranking" else "inner"
        )
        frame["label"] = frame["label"].fillna(0.0)
        frame["cv_id"] = cv_id
        frames.append(frame)
    if progress is not None:
        progress(f"Scoring {labelled.name}", len(frames), len(frames))
    frame = pd.concat(frames, ignore_index=True)
    reranked = frame["cross_score"].notna()
    cross = frame["cross_score"].where(reranked, frame["first_stage_score"] + NOT_RERANKED_OFFSET)
    if reranker is None:
        cross = np.nan
    return pd.DataFrame(
        {
            "cv_id": frame["cv_id"],
            "offer_id": frame["offer_id"],
            "label": frame["label"].astype(float),
            "relevant": frame["label"] >= labelled.positive_threshold,
            "reranked": reranked,
            "tfidf": frame["lexical_score"],
            "bi_encoder": frame["bi_score"],
            "first_stage": frame["first_stage_score"],
            "cross_encoder": cross,
            "final": frame["final_score"],
            "cross_logit": frame["cross_logit"],
            "band": frame["band"],
        }
    )


# --- Report -----------------------------------------------------------------------------------


@dataclass
class SetResult:
    """A scored set and its tables."""

    labelled: LabelledSet
    scored: pd.DataFrame
    metrics: pd.DataFrame
    reliability: pd.DataFrame
    bands: pd.DataFrame


def evaluate_set(
    labelled: LabelledSet,
    embedders: Sequence[Embedder],
    reranker: Reranker | None,
    *,
    top_k: int = 20,
    threshold: float = 50.0,
    bootstrap: int = 1000,
    seed: int = 0,
    cache: EmbeddingCache | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> SetResult:
    """Score a set and compute its metrics, reliability and band tables.

    Args:
        labelled: The set.
        embedders: Bi-encoders of the first stage.
        reranker: The cross-encoder, or ``None``.
        top_k: Offers reranked per CV in ranking sets. Default 20.
        threshold: Chosen 0–100 threshold for precision, recall, F1. Default 50.
        bootstrap: Bootstrap resamples. Default 1000.
        seed: Seed of the resampling. Default 0.
        cache: Embedding cache. Default none.
        progress: Optional ``(stage, done, total)`` callback.
    """
    scored = score_set(labelled, embedders, reranker, top_k, cache=cache, progress=progress)
    metrics = metric_table(scored, labelled.kind, threshold, bootstrap, seed)
    final, relevant = scored["final"].to_numpy(), scored["relevant"].to_numpy()
    return SetResult(
        labelled=labelled,
        scored=scored,
        metrics=metrics,
        reliability=reliability_table(final, relevant),
        bands=band_table(final, relevant),
    )


def _wide(metrics: pd.DataFrame, cell: Callable[[str, pd.Series], str]) -> pd.DataFrame:
    """One row per metric (column ``metric``, report order), one column per system id, each
    cell ``cell(metric, row of value, low, high)``."""
    systems = [s for s in SYSTEMS if s in set(metrics["system"])]
    table = metrics.set_index(["metric", "system"])
    rows = [
        {"metric": metric, **{s: cell(metric, table.loc[(metric, s)]) for s in systems}}
        for metric in METRICS
        if metric in set(metrics["metric"])
    ]
    return pd.DataFrame(rows, columns=["metric", *systems])


def _cell(metric: str, row: pd.Series) -> str:
    if not np.isfinite(row["value"]):
        return "—"
    return f"{row['value']:.3f} [{row['low']:.3f}, {row['high']:.3f}]"


def metrics_wide(metrics: pd.DataFrame) -> pd.DataFrame:
    """One row per metric, one column per system (report names), cells ``value [low, high]``."""
    return _wide(metrics, _cell).rename(columns=SYSTEMS)


def metrics_for_people(metrics: pd.DataFrame) -> pd.DataFrame:
    """:func:`metrics_wide` for the app: columns ``metric`` (the id), ``measure`` (its name in
    the current language), then one per system id, cells ``value [low–high]`` written the
    language's way: shares as whole percentages ("93 % [88–97]"), the best threshold as a
    score, correlations with two decimals; "—" where undefined."""

    def cell(metric: str, row: pd.Series) -> str:
        if not np.isfinite(row["value"]):
            return "—"
        scale, digits, unit = METRIC_FORMATS.get(metric, (100, 0, " %"))
        value, low, high = (localised(scale * row[end], digits) for end in ("value", "low", "high"))
        return f"{value}{unit} [{low}–{high}]"

    wide = _wide(metrics, cell)
    wide.insert(1, "measure", [_(METRIC_LABELS[m][0]) for m in wide["metric"]])
    return wide


def set_summary(result: SetResult) -> str:
    """One line on a scored set in the current language: its name, CVs, offers, pairs and
    matches."""
    labelled, scored = result.labelled, result.scored
    return _(
        "{name}: {cvs} CVs, {offers} offers, {pairs} pairs judged, {matches} of them matches."
    ).format(
        name=labelled.name,
        cvs=len(labelled.cvs),
        offers=len(labelled.offers),
        pairs=len(scored),
        matches=int(scored["relevant"].sum()),
    )


def metrics_markdown(metrics: pd.DataFrame) -> str:
    """A Markdown table: one row per metric, one column per system, ``value [low, high]``."""
    wide = metrics_wide(metrics)
    lines = ["| " + " | ".join(wide.columns) + " |", "|---" * len(wide.columns) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in wide.itertuples(index=False)]
    return "\n".join(lines)


def _frame_markdown(frame: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(frame.columns) + " |", "|---" * len(frame.columns) + "|"]
    for row in frame.itertuples(index=False):
        cells = [f"{v:.1f}" if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def report_markdown(results: Sequence[SetResult], threshold: float, top_k: int) -> str:
    """The whole report as Markdown: per set, its metrics, reliability and bands."""
    parts = [
        "# Evaluation report",
        "",
        f"Scores are 0–100. Chosen threshold: {threshold:g}. Reranked per CV in ranking sets: "
        f"top {top_k}. Intervals: 95 % bootstrap over CVs. Systems: "
        + ", ".join(SYSTEMS.values())
        + ". In ranking sets the cross-encoder column ranks the offers it did not read below "
        "the reranked ones, in first-stage order.",
    ]
    for result in results:
        labelled, scored = result.labelled, result.scored
        parts += [
            "",
            f"## {labelled.name}",
            "",
            f"{labelled.description} {len(labelled.cvs)} CVs, {len(labelled.offers)} offers, "
            f"{len(scored)} pairs, {int(scored['relevant'].sum())} matches "
            f"(label ≥ {labelled.positive_threshold:g}).",
            "",
            metrics_markdown(result.metrics),
            "",
            f"Final score reliability (ECE {expected_calibration_error(result.reliability):.1f} "
            "points):",
            "",
            _frame_markdown(result.reliability),
            "",
            "Bands:",
            "",
            _frame_markdown(result.bands),
        ]
    return "\n".join(parts) + "\n"


def figures(result: SetResult) -> dict[str, object]:
    """Plotly figures of a set, labelled in the current language: ROC and precision-recall
    curves of every system, the final score's reliability diagram and its distribution for
    matches and non-matches (a whole-number count axis)."""
    import plotly.graph_objects as go
    from sklearn.metrics import precision_recall_curve, roc_curve

    scored, name = result.scored, result.labelled.name
    relevant = scored["relevant"].to_numpy()
    systems = [s for s in SYSTEMS if s in set(result.metrics["system"])]
    roc, pr = go.Figure(), go.Figure()
    for system in systems:
        label = _(SYSTEM_LABELS[system][0])
        fpr, tpr, _thresholds = roc_curve(relevant, scored[system])
        roc.add_scatter(x=fpr, y=tpr, mode="lines", name=label)
        precision, recall, _thresholds = precision_recall_curve(relevant, scored[system])
        pr.add_scatter(x=recall, y=precision, mode="lines", name=label)
    roc.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot"}, name=_("chance"))
    roc.update_layout(
        title=_("{set}: ROC curve").format(set=name),
        xaxis_title=_("Share of non-matches kept"),
        yaxis_title=_("Share of matches kept"),
    )
    pr.update_layout(
        title=_("{set}: precision and recall").format(set=name),
        xaxis_title=_("Recall"),
        yaxis_title=_("Precision"),
    )
    table = result.reliability
    reliability = go.Figure()
    reliability.add_scatter(
        x=table["mean_score"],
        y=table["match_rate"],
        mode="lines+markers",
        name=_("Final score"),
        text=[ngettext("{count} pair", "{count} pairs", n).format(count=n) for n in table["pairs"]],
    )
    reliability.add_scatter(
        x=[0, 100], y=[0, 100], mode="lines", line={"dash": "dot"}, name=_("perfect")
    )
    reliability.update_layout(
        title=_("{set}: reliability of the final score").format(set=name),
        xaxis_title=_("Mean final score (%)"),
        yaxis_title=_("Observed match rate (%)"),
    )
    spread = go.Figure()
    bins = np.arange(0, 105, 5)
    largest = 0
    for value, label in ((True, _("matches")), (False, _("non-matches"))):
        scores = scored.loc[scored["relevant"] == value, "final"]
        largest = max(largest, int(np.histogram(scores, bins)[0].max(initial=0)))
        spread.add_histogram(
            x=scores, name=label, opacity=0.6, xbins={"start": 0, "end": 100, "size": 5}
        )
    spread.update_layout(
        title=_("{set}: final score distribution").format(set=name),
        barmode="overlay",
        xaxis_title=_("Final score (%)"),
        yaxis_title=_("Pairs"),
    )
    spread.update_yaxes(rangemode="tozero", tickformat="d", dtick=count_tick_step(largest))
    return {"roc": roc, "pr": pr, "reliability": reliability, "distribution": spread}


def write_report(
    results: Sequence[SetResult], out: Path, threshold: float = 50.0, top_k: int = 20
) -> Path:
    """Write ``report.md``, ``metrics.csv``, ``scores.csv``, ``reliability.csv``, the figures as
    Plotly JSON (``figures/<set>_<figure>.json``, for the app) and ``figures.html`` into ``out``.

    Returns:
        The path of ``report.md``.
    """
    out = Path(out)
    tables = {"metrics": [], "scores": [], "reliability": []}
    html = []
    for result in results:
        name = result.labelled.name
        tables["metrics"].append(result.metrics.assign(set=name))
        tables["scores"].append(result.scored.assign(set=name))
        tables["reliability"].append(result.reliability.assign(set=name))
        for key, figure in figures(result).items():
            atomic_write_text(out / "figures" / f"{name}_{key}.json", figure.to_json())
            html.append(figure.to_html(full_html=False, include_plotlyjs=not html))
    for key, frames in tables.items():
        frame = pd.concat(frames, ignore_index=True)
        atomic_write_csv(out / f"{key}.csv", frame[["set", *frame.columns[:-1]]])
    atomic_write_text(
        out / "figures.html",
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>jobmatch evaluation</title>"
        "</head><body>" + "\n".join(html) + "</body></html>",
    )
    return atomic_write_text(out / "report.md", report_markdown(results, threshold, top_k))


@dataclass(frozen=True)
class EvaluationRun:
    """A finished ``evaluate`` run.

    Args:
        run_id: The run's id in the database.
        results: One result per labelled set.
        report: The run's ``report.md``; the other files sit beside it.
    """

    run_id: str
    results: list[SetResult]
    report: Path


def run_evaluation(
    sets: Sequence[LabelledSet],
    *,
    settings: Settings,
    database: Database,
    embedders: Sequence[Embedder],
    reranker: Reranker | None,
    top_k: int = 20,
    threshold: float = 50.0,
    bootstrap: int = 1000,
    seed: int = 0,
    out: Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> EvaluationRun:
    """Evaluate every set, write the report and record the run (CLI and app alike).

    Args:
        sets: Labelled sets.
        settings: Paths (the embedding cache, the runs folder).
        database: Where the run is recorded.
        embedders: Bi-encoders of the first stage.
        reranker: The cross-encoder, or ``None``.
        top_k: Offers reranked per CV in ranking sets. Default 20.
        threshold: Chosen 0–100 threshold. Default 50.
        bootstrap: Bootstrap resamples. Default 1000.
        seed: Seed of sampling and bootstrap. Default 0.
        out: Report folder. Default ``runs/<run-id>/``.
        progress: Optional ``(stage, done, total)`` callback.
    """
    params = {
        "sets": [labelled.name for labelled in sets],
        "models": [e.name for e in embedders],
        "reranker": reranker.name if reranker is not None else "",
        "rerank_top_k": top_k,
        "threshold": threshold,
    }
    cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite3")
    with database.recorded_run("evaluate", params) as run_id:
        try:
            results = [
                evaluate_set(
                    labelled,
                    embedders,
                    reranker,
                    top_k=top_k,
                    threshold=threshold,
                    bootstrap=bootstrap,
                    seed=seed,
                    cache=cache,
                    progress=progress,
                )
                for labelled in sets
            ]
            report = write_report(
                results, out or settings.runs_dir / run_id, threshold=threshold, top_k=top_k
            )
        finally:
            cache.close()
    return EvaluationRun(run_id=run_id, results=results, report=report)


# --- Reading labelled files -------------------------------------------------------------------

#: Accepted column names, first found wins.
CV_COLUMNS = ("cv", "cv_text", "cv_file", "cv_path")
OFFER_COLUMNS = ("offer", "offer_text", "offer_file", "offer_path")
LABEL_COLUMNS = ("label", "relevance", "score")


class EvaluationInputError(JobmatchError, ValueError):
    """A labelled file cannot be used; the message says why."""


def _column(frame: pd.DataFrame, names: Sequence[str], path: Path) -> str:
    found = next((name for name in names if name in frame.columns), None)
    if found is None:
        raise EvaluationInputError(
            f"{path.name}: needs a column named one of {', '.join(names)} "
            f"(found: {', '.join(map(str, frame.columns))})."
        )
    return found


def _resolve(value: str, folders: Sequence[Path], settings: Settings) -> str:
    """A cell holds either text or the name of a .pdf/.docx/.txt file in one of ``folders``."""
    value = str(value)
    if "\n" not in value and len(value) < 260 and Path(value).suffix.lower() in DOCUMENT_SUFFIXES:
        for folder in folders:
            if (folder / value).is_file():
                return extract_document(folder / value, settings=settings).text
        raise EvaluationInputError(
            f"File not found: {value} (looked in {', '.join(map(str, folders))})."
        )
    return value


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise EvaluationInputError(f"Labelled file not found: {path}")
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise EvaluationInputError(f"{path.name}: not a readable CSV file ({exc}).") from exc


def _labels(frame: pd.DataFrame, column: str, path: Path) -> pd.Series:
    labels = pd.to_numeric(frame[column], errors="coerce")
    if labels.isna().any():
        raise EvaluationInputError(f"{path.name}: column {column!r} must be numeric.")
    return labels


def read_pairs(
    path: Path, positive_threshold: float = 0.5, settings: Settings | None = None
) -> LabelledSet:
    """A pair set from a CSV with a CV, an offer and a label per row.

    Args:
        path: CSV with columns ``cv`` (text, or a .pdf/.docx/.txt file name relative to the
            CSV), ``offer`` (likewise) and ``label`` (0/1 or graded); see :data:`CV_COLUMNS`,
            :data:`OFFER_COLUMNS` and :data:`LABEL_COLUMNS` for accepted names.
        positive_threshold: Labels at or above it are matches. Default 0.5.
        settings: Limits for reading files. Default :class:`Settings()`.

    Raises:
        EvaluationInputError: Missing file, column or non-numeric label.
    """
    path = Path(path)
    settings = settings or Settings()
    frame = _read_csv(path)
    cv_column, offer_column = _column(frame, CV_COLUMNS, path), _column(frame, OFFER_COLUMNS, path)
    labels = _labels(frame, _column(frame, LABEL_COLUMNS, path), path)
    folders = [path.parent]
    cvs = [_resolve(v, folders, settings) for v in frame[cv_column]]
    offers = [_resolve(v, folders, settings) for v in frame[offer_column]]
    if not cvs:
        raise EvaluationInputError(f"{path.name}: no pairs in the file.")
    unique = {content_id(text): text for text in offers}
    return LabelledSet(
        name=path.stem,
        kind="pairs",
        cvs={content_id(text): text for text in cvs},
        offers=[Offer(id=key, description=text) for key, text in unique.items()],
        judgements=pd.DataFrame(
            {
                "cv_id": [content_id(t) for t in cvs],
                "offer_id": [content_id(t) for t in offers],
                "label": labels,
            }
        ),
        positive_threshold=positive_threshold,
        description=f"Pairs from {path.name}.",
    )


def read_pairs_upload(
    data: bytes, filename: str, positive_threshold: float = 0.5, settings: Settings | None = None
) -> LabelledSet:
    """:func:`read_pairs` on an uploaded CSV (cells must hold texts: no folder to look in).

    Args:
        data: The file's bytes.
        filename: Its name as uploaded (sanitised; the set is named after its stem).
        positive_threshold: Labels at or above it are matches. Default 0.5.
        settings: Limits for reading files. Default :class:`Settings()`.
    """
    with tempfile.TemporaryDirectory(prefix="jobmatch-labels-") as folder:
        path = Path(folder) / safe_filename(filename)
        path.write_bytes(data)
        return read_pairs(path, positive_threshold, settings)


def read_ranking(
    path: Path,
    offers_path: Path,
    cvs_dir: Path | None = None,
    positive_threshold: float = 0.5,
    settings: Settings | None = None,
) -> LabelledSet:
    """A ranking set: each CV against every offer of an offers file, with relevance labels.

    Args:
        path: CSV with columns ``cv`` (or ``cv_file``: a file name or the text), ``offer_id``
            and ``relevance`` (or ``label``); offers missing for a CV count as 0.
        offers_path: The offers file (as for ``rank``).
        cvs_dir: Folder of the CV files. Default the CSV's folder (then its ``cvs/``).
        positive_threshold: Labels at or above it are matches. Default 0.5.
        settings: Limits for reading files. Default :class:`Settings()`.

    Raises:
        EvaluationInputError: Missing file, column or offer, or non-numeric label.
    """
    path = Path(path)
    settings = settings or Settings()
    frame = _read_csv(path)
    cv_column = _column(frame, CV_COLUMNS, path)
    offer_column = _column(frame, ("offer_id",), path)
    labels = _labels(frame, _column(frame, LABEL_COLUMNS, path), path)
    offers = load_offers(offers_path)
    unknown = set(frame[offer_column]) - {offer.id for offer in offers}
    if unknown:
        raise EvaluationInputError(
            f"{path.name}: offer ids not in {Path(offers_path).name}: "
            + ", ".join(sorted(unknown)[:5])
        )
    folders = [cvs_dir] if cvs_dir is not None else [path.parent, path.parent / "cvs"]
    cvs = {value: _resolve(value, folders, settings) for value in frame[cv_column].unique()}
    return LabelledSet(
        name=path.stem,
        kind="ranking",
        cvs=cvs,
        offers=offers,
        judgements=pd.DataFrame(
            {"cv_id": frame[cv_column], "offer_id": frame[offer_column], "label": labels}
        ),
        positive_threshold=positive_threshold,
        description=f"Ranking set from {path.name} and {Path(offers_path).name}.",
    )
