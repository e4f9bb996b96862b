"""Lexical similarities (TF-IDF, BM25, term coverage) over accent-folded French + English words."""

from __future__ import annotations

import io
import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import sparse

from jobmatch.text import tokenize

#: Okapi BM25's term-frequency saturation and length normalisation (the usual defaults).
BM25_K1, BM25_B = 1.2, 0.75
#: The similarities :meth:`LexicalScorer.signals` returns.
LEXICAL_SIGNALS = ("tfidf", "tfidf_plain", "bm25", "bm25_reverse", "coverage")


class LexicalScorer:
    """Lexical similarities between a query (a CV) and each text of a corpus (the offers).

    Terms are unigrams and bigrams (so "machine learning" counts as a phrase) after
    lower-casing, accent folding and French/English stop-word removal, counted with
    vectorised integer codes instead of a Python dictionary of strings: a bigram is the pair of
    its words' codes. The IDF is learnt on the corpus. :meth:`score` is the TF-IDF cosine with
    sub-linear term frequency over both kinds of terms (scikit-learn's
    ``TfidfVectorizer(sublinear_tf=True)`` weights: smoothed IDF, L2-normalised rows);
    :meth:`signals` adds the other variants the learned ranker reads.

    Args:
        offer_texts: The corpus the query is compared against.
    """

    def __init__(self, offer_texts: Sequence[str] = ()) -> None:
        self._size = len(offer_texts)
        documents = [tokenize(text) for text in offer_texts]
        lengths = np.fromiter(map(len, documents), dtype=np.int64, count=self._size)
        codes, words = pd.factorize(
            pd.Series(list(itertools.chain.from_iterable(documents)), dtype=object)
        )
        self._words = pd.Index(words)
        rows = np.repeat(np.arange(self._size), lengths)
        # A bigram joins two consecutive tokens of the same document.
        pairs = np.flatnonzero(rows[1:] == rows[:-1])
        bigram_codes, bigrams = pd.factorize(codes[pairs] * len(words) + codes[pairs + 1])
        self._bigrams = pd.Index(bigrams)
        counts = self._counts(
            np.concatenate([rows, rows[pairs]]),
            np.concatenate([codes, bigram_codes + len(words)]),
            self._size,
        )
        self._derive(counts)

    def _derive(self, counts: sparse.csr_matrix) -> None:
        """Every weighting of the corpus, from its raw term counts."""
        self._raw = counts
        n_words = len(self._words)
        document_frequency = np.bincount(counts.indices, minlength=counts.shape[1])
        self._idf = np.log((1 + self._size) / (1 + document_frequency)) + 1
        self._bm25_idf = np.log1p(
            (self._size - document_frequency + 0.5) / (document_frequency + 0.5)
        )
        self._offers = self._weighted(counts)
        unigrams = counts[:, :n_words]
        self._plain = _unit_rows(_scaled_columns(unigrams, self._idf[:n_words]))
        lengths = np.asarray(unigrams.sum(axis=1)).ravel()
        self._average_length = max(float(lengths.mean()), 1.0) if self._size else 1.0
        norm = BM25_K1 * (1 - BM25_B + BM25_B * lengths / self._average_length)
        tf = unigrams.data
        saturation = tf * (BM25_K1 + 1) / (tf + np.repeat(norm, np.diff(unigrams.indptr)))
        self._bm25 = _with_data(unigrams, saturation * self._bm25_idf[unigrams.indices])
        present = _with_data(counts, np.ones(counts.nnz))
        self._present = present
        self._present_idf = np.asarray(present @ self._idf).ravel()
        self._present_bm25 = np.asarray(present[:, :n_words] @ self._bm25_idf[:n_words]).ravel()
        self._lengths = lengths

    def _counts(self, rows: np.ndarray, features: np.ndarray, n_rows: int) -> sparse.csr_matrix:
        """Term counts as a (documents, unigrams + bigrams) sparse matrix."""
        shape = (n_rows, len(self._words) + len(self._bigrams))
        counts = sparse.csr_matrix((np.ones(len(features)), (rows, features)), shape=shape)
        counts.sum_duplicates()
        return counts

    def _weighted(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        """Sub-linear TF x IDF, each row scaled to unit length."""
        return _unit_rows(_with_data(counts, (np.log(counts.data) + 1) * self._idf[counts.indices]))

    def _query_counts(self, text: str) -> sparse.csr_matrix:
        """The query's counts of the corpus's terms (terms the corpus lacks are dropped)."""
        codes = self._words.get_indexer(tokenize(text))
        pairs = np.flatnonzero((codes[:-1] >= 0) & (codes[1:] >= 0))
        bigram_codes = self._bigrams.get_indexer(codes[pairs] * len(self._words) + codes[pairs + 1])
        features = np.concatenate(
            [codes[codes >= 0], bigram_codes[bigram_codes >= 0] + len(self._words)]
        )
        return self._counts(np.zeros(len(features), np.int64), features, 1)

    def score(self, cv_text: str) -> np.ndarray:
        """Cosine similarity (0–1) of ``cv_text`` with every offer, in corpus order."""
        if not len(self._words):
            return np.zeros(self._size)
        query = self._weighted(self._query_counts(cv_text))
        return np.asarray((self._offers @ query.T).toarray()).ravel()

    def signals(self, cv_text: str) -> dict[str, np.ndarray]:
        """Every lexical similarity of ``cv_text`` with each offer, in corpus order.

        Returns:
            ``tfidf``: :meth:`score`. ``tfidf_plain``: the textbook TF-IDF cosine (unigrams,
            raw term frequency). ``bm25``: Okapi BM25 (k1 = 1.2, b = 0.75) of the offer for
            the CV's words, divided by its largest possible value (0–1). ``bm25_reverse``: the
            same with the offer's words as the query and the CV as the document.
            ``coverage``: the IDF-weighted share of the offer's terms (unigrams and bigrams)
            found in the CV. All 0–1.
        """
        if not len(self._words):
            return {name: np.zeros(self._size) for name in LEXICAL_SIGNALS}
        counts = self._query_counts(cv_text)
        n_words = len(self._words)
        unigrams = counts[:, :n_words]
        plain = _unit_rows(_scaled_columns(unigrams, self._idf[:n_words]))
        present = np.zeros(counts.shape[1])
        present[counts.indices] = 1.0
        bm25_query = present[:n_words] * self._bm25_idf[:n_words]
        ceiling = max(float(bm25_query.sum()) * (BM25_K1 + 1), 1e-12)
        cv_length = float(unigrams.sum())
        cv_tf = np.zeros(n_words)
        cv_tf[unigrams.indices] = unigrams.data
        cv_norm = BM25_K1 * (1 - BM25_B + BM25_B * cv_length / self._average_length)
        cv_weights = self._bm25_idf[:n_words] * cv_tf * (BM25_K1 + 1) / (cv_tf + cv_norm)
        reverse_ceiling = np.maximum(self._present_bm25 * (BM25_K1 + 1), 1e-12)
        return {
            "tfidf": self.score(cv_text),
            "tfidf_plain": np.asarray((self._plain @ plain.T).toarray()).ravel(),
            "bm25": (self._bm25 @ bm25_query) / ceiling,
            "bm25_reverse": (self._present[:, :n_words] @ cv_weights) / reverse_ceiling,
            "coverage": (self._present @ (present * self._idf))
            / np.maximum(self._present_idf, 1e-12),
        }

    @property
    def lengths(self) -> np.ndarray:
        """Each offer's number of word tokens (stop words excluded)."""
        return self._lengths

    def to_bytes(self) -> bytes:
        """The fitted index as an ``.npz`` archive (no pickled objects; weights in float32)."""
        counts = self._raw
        buffer = io.BytesIO()
        np.savez(
            buffer,
            size=np.int64(self._size),
            words=np.frombuffer("\n".join(self._words).encode("utf-8"), dtype=np.uint8),
            bigrams=self._bigrams.to_numpy(dtype=np.int64),
            data=counts.data.astype(np.float32),
            indices=counts.indices,
            indptr=counts.indptr,
            shape=np.asarray(counts.shape, dtype=np.int64),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> LexicalScorer:
        """An index saved by :meth:`to_bytes`."""
        archive = np.load(io.BytesIO(data), allow_pickle=False)
        scorer = cls()
        scorer._size = int(archive["size"])
        words = archive["words"].tobytes().decode("utf-8")
        scorer._words = pd.Index(words.split("\n") if words else [], dtype=object)
        scorer._bigrams = pd.Index(archive["bigrams"])
        shape = tuple(int(n) for n in archive["shape"])
        scorer._derive(
            sparse.csr_matrix(
                (archive["data"].astype(np.float64), archive["indices"], archive["indptr"]),
                shape=shape,
            )
        )
        return scorer


def _scaled_columns(matrix: sparse.csr_matrix, factors: np.ndarray) -> sparse.csr_matrix:
    """``matrix`` with each column multiplied by its factor."""
    return _with_data(matrix, matrix.data * factors[matrix.indices])


def _unit_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """``matrix`` with each non-zero row scaled to unit length."""
    lengths = np.diff(matrix.indptr)
    rows = np.repeat(np.arange(matrix.shape[0]), lengths)
    norms = np.sqrt(np.bincount(rows, weights=matrix.data**2, minlength=matrix.shape[0]))
    scale = 1 / np.where(norms > 0, norms, 1)
    return _with_data(matrix, matrix.data * np.repeat(scale, lengths))


def _with_data(matrix: sparse.csr_matrix, data: np.ndarray) -> sparse.csr_matrix:
    """A matrix of ``matrix``'s sparsity pattern (shared, not copied) holding ``data``."""
    return sparse.csr_matrix((data, matrix.indices, matrix.indptr), shape=matrix.shape)
