"""Lexical similarity: TF-IDF over accent-folded French + English tokens."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from jobmatch.text import tokenize


def _unigrams_and_bigrams(text: str) -> list[str]:
    tokens = tokenize(text)
    return tokens + [f"{first} {second}" for first, second in itertools.pairwise(tokens)]


class LexicalScorer:
    """TF-IDF cosine between a CV and each offer, the IDF learnt on the offers.

    Uses sub-linear term frequency and unigrams + bigrams (so "machine learning" counts as a
    phrase), after lower-casing, accent folding and French/English stop-word removal.

    Args:
        offer_texts: The corpus the CV is compared against.
    """

    def __init__(self, offer_texts: Sequence[str]) -> None:
        self._size = len(offer_texts)
        self._vectorizer = TfidfVectorizer(analyzer=_unigrams_and_bigrams, sublinear_tf=True)
        try:
            self._offers = self._vectorizer.fit_transform(offer_texts)
        except ValueError:  # no word in any offer: nothing can match lexically
            self._offers = None

    def score(self, cv_text: str) -> np.ndarray:
        """Cosine similarity (0–1) of ``cv_text`` with every offer, in corpus order."""
        if self._offers is None:
            return np.zeros(self._size)
        query = self._vectorizer.transform([cv_text])
        return np.asarray((self._offers @ query.T).toarray()).ravel()
