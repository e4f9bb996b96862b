"""The bundled demo data (fictional, written for this project) under ``data/demo``."""

from __future__ import annotations

from pathlib import Path

from jobmatch.config import DEMO_DIR, Settings
from jobmatch.matching.evaluation import LabelledSet, read_ranking
from jobmatch.offers import Offer, load_offers

DEMO_OFFERS = DEMO_DIR / "offers.jsonl"
DEMO_CVS = DEMO_DIR / "cvs"
DEMO_LABELS = DEMO_DIR / "labels.csv"


def demo_offers() -> list[Offer]:
    """The demo offers (French and English)."""
    return load_offers(DEMO_OFFERS)


def demo_cv_paths() -> list[Path]:
    """The demo CV files (.txt, .docx, .pdf), sorted by name."""
    return sorted(p for p in DEMO_CVS.iterdir() if p.suffix.lower() in {".txt", ".docx", ".pdf"})


def demo_labelled_set(settings: Settings | None = None) -> LabelledSet:
    """The demo ranking set: 3 CVs × 40 offers, relevance 0/1/2 (1 and 2 count as matches)."""
    return read_ranking(DEMO_LABELS, DEMO_OFFERS, DEMO_CVS, 1.0, settings)
