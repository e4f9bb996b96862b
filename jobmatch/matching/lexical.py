"""Lexical similarity: TF-IDF over accent-folded French + English tokens."""

from __future__ import annotations

import hashlib
import io
import itertools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from jobmatch.artifacts import atomic_write_bytes
from jobmatch.text import tokenize

#: Bump when tokenisation or weighting changes: saved indexes of older versions are ignored.
INDEX_VERSION = 1
#: Saved indexes kept in a folder; the least recently used beyond it are deleted.
MAX_SAVED_INDEXES = 8


class LexicalScorer:
    """TF-IDF cosine between a CV and each offer, the IDF learnt on the offers.

    Uses sub-linear term frequency and unigrams + bigrams (so "machine learning" counts as a
    phrase), after lower-casing, accent folding and French/English stop-word removal. Terms
    are scikit-learn's ``TfidfVectorizer(sublinear_tf=True)`` ones (smoothed IDF, L2-normalised
    rows), counted with vectorised integer codes instead of a Python dictionary of strings:
    a bigram is the pair of its words' codes.

    Args:
        offer_texts: The corpus the CV is compared against.
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
        self._offers: sparse.csr_matrix | None = None
        self._idf = np.zeros(0)
        if len(words):
            counts = self._counts(
                np.concatenate([rows, rows[pairs]]),
                np.concatenate([codes, bigram_codes + len(words)]),
                self._size,
            )
            document_frequency = np.bincount(counts.indices, minlength=counts.shape[1])
            self._idf = np.log((1 + self._size) / (1 + document_frequency)) + 1
            self._offers = self._weighted(counts)

    def _counts(self, rows: np.ndarray, features: np.ndarray, n_rows: int) -> sparse.csr_matrix:
        """Term counts as a (documents, unigrams + bigrams) sparse matrix."""
        shape = (n_rows, len(self._words) + len(self._bigrams))
        counts = sparse.csr_matrix((np.ones(len(features)), (rows, features)), shape=shape)
        counts.sum_duplicates()
        return counts

    def _weighted(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        """Sub-linear TF x IDF, each row scaled to unit length."""
        weights = counts.copy()
        weights.data = (np.log(weights.data) + 1) * self._idf[weights.indices]
        norms = np.sqrt(np.asarray(weights.multiply(weights).sum(axis=1)).ravel())
        return sparse.diags(1 / np.where(norms > 0, norms, 1)) @ weights

    def score(self, cv_text: str) -> np.ndarray:
        """Cosine similarity (0–1) of ``cv_text`` with every offer, in corpus order."""
        if self._offers is None:
            return np.zeros(self._size)
        codes = self._words.get_indexer(tokenize(cv_text))
        pairs = np.flatnonzero((codes[:-1] >= 0) & (codes[1:] >= 0))
        bigram_codes = self._bigrams.get_indexer(codes[pairs] * len(self._words) + codes[pairs + 1])
        features = np.concatenate(
            [codes[codes >= 0], bigram_codes[bigram_codes >= 0] + len(self._words)]
        )
        query = self._weighted(self._counts(np.zeros(len(features), np.int64), features, 1))
        return np.asarray((self._offers @ query.T).toarray()).ravel()

    def to_bytes(self) -> bytes:
        """The fitted index as an ``.npz`` archive (no pickled objects; weights in float32)."""
        offers = self._offers if self._offers is not None else sparse.csr_matrix((self._size, 0))
        buffer = io.BytesIO()
        np.savez(
            buffer,
            size=np.int64(self._size),
            words=np.frombuffer("\n".join(self._words).encode("utf-8"), dtype=np.uint8),
            bigrams=self._bigrams.to_numpy(dtype=np.int64),
            idf=self._idf,
            data=offers.data.astype(np.float32),
            indices=offers.indices,
            indptr=offers.indptr,
            shape=np.asarray(offers.shape, dtype=np.int64),
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
        scorer._idf = archive["idf"]
        shape = tuple(int(n) for n in archive["shape"])
        if scorer._words.size:
            scorer._offers = sparse.csr_matrix(
                (archive["data"].astype(np.float64), archive["indices"], archive["indptr"]),
                shape=shape,
            )
        return scorer

    @classmethod
    def cached(cls, offer_texts: Sequence[str], folder: Path) -> LexicalScorer:
        """The index of these offers, read from ``folder`` if saved there, else fitted and saved.

        Keyed by a hash of the texts, so any change to the offers fits a new index; only the
        :data:`MAX_SAVED_INDEXES` most recently used are kept. An unreadable file is refitted.
        """
        digest = hashlib.sha256(f"v{INDEX_VERSION}".encode())
        for text in offer_texts:
            digest.update(hashlib.sha256(text.encode("utf-8")).digest())
        path = Path(folder) / f"tfidf-{digest.hexdigest()[:32]}.npz"
        try:
            scorer = cls.from_bytes(path.read_bytes())
            path.touch()
            return scorer
        except (OSError, ValueError, KeyError):
            pass
        scorer = cls(offer_texts)
        atomic_write_bytes(path, scorer.to_bytes())
        saved = sorted(path.parent.glob("tfidf-*.npz"), key=lambda p: p.stat().st_mtime)
        for stale in saved[:-MAX_SAVED_INDEXES]:
            stale.unlink(missing_ok=True)
        return scorer
