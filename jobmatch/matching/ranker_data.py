"""Labelled ranking tasks for the learned ranker, from ``../shared/data``, split by query.

A task is one query (a CV, or a profile written from an offer) against a set of offers with a
0/1 relevance per offer. Every query goes to one split by a hash of its text
(:func:`jobmatch.matching.train.split_of`), so no CV is ever in two splits:

- ``pfe2025-domain``: each English CV of pfe2025 against all 233 English postings of the set;
  relevant (1) = the CV was filed under the posting's domain (15 IT domains), not relevant
  (0) = a far domain; postings of a near domain (the set's own ``domain_map.json``) get
  :data:`NEAR`, neither: they are left out of the fit and of the figures. CVs filed under
  "others" have no relevant posting: they train the model (all negatives) but have no
  average precision.
- ``pfe2025-llm``: the 403 LLM-labelled pairs (match: score ≥ 0.35), read from the same
  CV-against-all-postings tasks: an evaluation set only.
- ``france-travail-rome``: French profiles (title, skills, qualities, training of an offer)
  against other offers; relevant = same ROME code; queries spread evenly over the codes.
- ``livecareer-category``: English resumes against other resumes; relevant = same category.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jobmatch.matching.train import (
    FRANCE_TRAVAIL,
    LIVECAREER,
    LLM_MATCH,
    PFE2025,
    Item,
    PfePair,
    Split,
    france_travail_items,
    livecareer_items,
    pfe2025_pairs,
)
from jobmatch.offers import Offer

#: (queries, corpus) per split for the France Travail tasks.
FRANCE_TRAVAIL_SIZES: dict[Split, tuple[int, int]] = {
    "train": (160, 300),
    "calib": (60, 250),
    "test": (80, 300),
}
#: (queries, corpus) per category and split for the livecareer tasks (24 categories).
LIVECAREER_SIZES: dict[Split, tuple[int, int]] = {
    "train": (3, 6),
    "calib": (1, 5),
    "test": (2, 6),
}


#: Label of a pfe2025 posting in a domain near the CV's (left out of fits and figures).
NEAR = 0.5


@dataclass(frozen=True)
class RankingTask:
    """One query against a set of offers.

    Args:
        dataset: The data set's name.
        query_id: The query's id (a content hash).
        query: The query text.
        offers: The offers, in a fixed order.
        labels: Relevance per offer: 1, 0, or :data:`NEAR` (unjudged).
        split: ``"train"``, ``"calib"`` or ``"test"``, by query.
        pairs: For ``pfe2025``, offer position → LLM score of the labelled pairs. Default none.
    """

    dataset: str
    query_id: str
    query: str
    offers: tuple[Offer, ...]
    labels: np.ndarray
    split: Split
    pairs: tuple[tuple[int, float], ...] = ()


def _pfe_offer(path: Path) -> Offer:
    """A pfe2025 posting file: ``Title:``, ``Company:``, ``Location:`` lines, then the text."""
    header: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    body = lines
    for position, line in enumerate(lines):
        key, _, value = line.strip().partition(":")
        if key in ("Title", "Company", "Location"):
            header[key] = value.strip()
        elif key == "Description":
            body = lines[position + 1 :]
            break
    return Offer(
        id=f"{path.parent.name}/{path.stem}",
        title=header.get("Title", ""),
        company=header.get("Company", ""),
        location=header.get("Location", ""),
        description="\n".join(line.strip() for line in body).strip(),
    )


def pfe2025_tasks(root: Path) -> list[RankingTask]:
    """Every pfe2025 CV against every posting (see the module docstring)."""
    folder = root / PFE2025
    offers = tuple(_pfe_offer(path) for path in sorted((folder / "offres").glob("*/*.txt")))
    position = {offer.id: number for number, offer in enumerate(offers)}
    domains = np.array([offer.id.split("/")[0] for offer in offers])
    near = json.loads((folder / "domain_map.json").read_text(encoding="utf-8"))
    cvs: dict[str, PfePair] = {}
    pairs: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for pair in pfe2025_pairs(root):
        cvs[pair.cv_id] = pair
        if pair.offer_file in position:
            pairs[pair.cv_id].append((position[pair.offer_file], pair.llm_score))
    tasks = []
    for cv_id, pair in cvs.items():
        domain = pair.cv_domain.replace("machine_learning", "AI_and_ML")
        tasks.append(
            RankingTask(
                dataset="pfe2025-domain",
                query_id=cv_id,
                query=pair.cv,
                offers=offers,
                labels=np.where(
                    domains == domain,
                    1.0,
                    np.where(np.isin(domains, near.get(domain, [])), NEAR, 0.0),
                ),
                split=pair.split,
                pairs=tuple(dict(pairs[cv_id]).items()),
            )
        )
    return tasks


def _item_tasks(
    dataset: str, queries: Sequence[Item], corpus: Sequence[Item], split: Split
) -> list[RankingTask]:
    offers = tuple(Offer(id=item.id, description=item.text) for item in corpus)
    labels = np.array([item.label for item in corpus])
    return [
        RankingTask(
            dataset=dataset,
            query_id=query.id,
            query=query.query,
            offers=offers,
            labels=(labels == query.label).astype(float),
            split=split,
        )
        for query in queries
    ]


def france_travail_tasks(root: Path, split: Split, rng: random.Random) -> list[RankingTask]:
    """Profiles against other offers of the same split; relevant = same ROME code."""
    n_queries, n_corpus = FRANCE_TRAVAIL_SIZES[split]
    items = [item for item in france_travail_items(root) if item.split == split]
    rng.shuffle(items)
    corpus, rest = items[:n_corpus], items[n_corpus:]
    counts = Counter(item.label for item in corpus)
    by_label: dict[str, list[Item]] = defaultdict(list)
    for item in rest:
        if counts[item.label] >= 3:
            by_label[item.label].append(item)
    # Round-robin over the codes: a code that fills half the corpus does not fill half the
    # queries too (the model would learn that such offers are relevant to anyone).
    queries: list[Item] = []
    while len(queries) < n_queries and any(by_label.values()):
        for label in sorted(by_label):
            if by_label[label] and len(queries) < n_queries:
                queries.append(by_label[label].pop(0))
    return _item_tasks("france-travail-rome", queries, corpus, split)


def livecareer_tasks(root: Path, split: Split, rng: random.Random) -> list[RankingTask]:
    """Resumes against other resumes of the same split; relevant = same category."""
    n_queries, n_corpus = LIVECAREER_SIZES[split]
    by_label: dict[str, list[Item]] = defaultdict(list)
    for item in livecareer_items(root):
        if item.split == split:
            by_label[item.label].append(item)
    queries: list[Item] = []
    corpus: list[Item] = []
    for label in sorted(by_label):
        members = rng.sample(by_label[label], min(len(by_label[label]), n_queries + n_corpus))
        queries += members[:n_queries]
        corpus += members[n_queries:]
    return _item_tasks("livecareer-category", queries, corpus, split)


def ranking_tasks(root: Path, seed: int = 0) -> list[RankingTask]:
    """Every task of every split from the data sets found under ``root``."""
    tasks: list[RankingTask] = []
    if (root / PFE2025).is_dir():
        tasks += pfe2025_tasks(root)
    for split in ("train", "calib", "test"):
        rng = random.Random(f"{seed}-{split}")
        if (root / FRANCE_TRAVAIL).is_dir():
            tasks += france_travail_tasks(root, split, rng)
        if (root / LIVECAREER).is_dir():
            tasks += livecareer_tasks(root, split, rng)
    return tasks


def llm_pairs(task: RankingTask) -> tuple[np.ndarray, np.ndarray]:
    """The task's LLM-labelled pairs: offer positions and 0/1 labels (score ≥ 0.35)."""
    positions = np.array([p for p, _ in task.pairs], dtype=np.int64)
    labels = np.array([float(score >= LLM_MATCH) for _, score in task.pairs])
    return positions, labels
