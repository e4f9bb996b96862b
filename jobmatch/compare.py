"""Two CVs against the same offers: ranks and scores side by side, and the terms that separate
them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from jobmatch.text import tokenize


@dataclass(frozen=True)
class SeparatingTerms:
    """Offer vocabulary found in one CV only.

    Args:
        only_first: Terms the offers use that the first CV has and the second lacks, with the
            number of offers using each, most used first.
        only_second: The same, the other way round.
    """

    only_first: list[tuple[str, int]]
    only_second: list[tuple[str, int]]


def side_by_side(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """One row per offer with both CVs' ranks and final scores.

    Args:
        first: A ranking (columns ``offer_id, rank, final_score, title, company``) of the first CV.
        second: The second CV's ranking of the same offers.

    Returns:
        Columns ``offer_id, title, company, rank_first, rank_second, score_first, score_second,
        score_gap`` (first minus second), sorted by the first CV's rank.
    """
    columns = ["offer_id", "rank", "final_score"]
    merged = first[[*columns, "title", "company"]].merge(
        second[columns], on="offer_id", suffixes=("_first", "_second"), validate="one_to_one"
    )
    merged = merged.rename(
        columns={"final_score_first": "score_first", "final_score_second": "score_second"}
    )
    merged["score_gap"] = (merged["score_first"] - merged["score_second"]).round(2)
    ordered = ["offer_id", "title", "company", "rank_first", "rank_second"]
    return merged[[*ordered, "score_first", "score_second", "score_gap"]].sort_values("rank_first")


def separating_terms(
    first_cv: str, second_cv: str, offer_texts: Sequence[str], top_n: int = 15
) -> SeparatingTerms:
    """Terms of the offers that only one of the two CVs contains.

    Args:
        first_cv: Text of the first CV.
        second_cv: Text of the second CV.
        offer_texts: The offers both were ranked against.
        top_n: Terms kept per side. Default 15.

    Returns:
        Each side's terms with the number of offers that use them.
    """
    offers_using = Counter(term for text in offer_texts for term in set(tokenize(text)))
    first, second = set(tokenize(first_cv)), set(tokenize(second_cv))

    def ranked(terms: set[str]) -> list[tuple[str, int]]:
        used = [(term, offers_using[term]) for term in terms if offers_using[term]]
        return sorted(used, key=lambda item: (-item[1], item[0]))[:top_n]

    return SeparatingTerms(only_first=ranked(first - second), only_second=ranked(second - first))
