"""Text normalisation shared by the lexical scorer and the language detector (French + English)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from jobmatch.config import MAX_MODEL_CHARS
from jobmatch.i18n import _, number

# Written for this project: frequent French function words, accents already folded.
FRENCH_STOP_WORDS = frozenset(
    """
    a afin ainsi alors apres au aucun aupres aussi autre autres aux avec avoir ayant c ca car ce
    ceci cela celle celles celui cependant ces cet cette ceux chaque chez ci comme comment d dans
    de des deja depuis donc dont du elle elles en encore entre est et etaient etait etant ete etre
    eu eux fait faire il ils j je jusqu l la le les leur leurs lui m ma mais me meme memes mes moi
    mon n ne ni non nos notre nous on ont or ou par parce parmi pas pendant peu peut peuvent plus
    pour pourquoi qu quand que quel quelle quelles quels qui quoi s sa sans se selon ses si sien
    son sont sous soit sur t ta te tes toi ton tous tout toute toutes tres tu un une unes uns vers
    via voici voila vos votre vous y h f hf
    """.split()
)

#: Tokens kept even though they are one character long (programming languages).
_SHORT_KEEP = frozenset({"c", "r"})
_TOKEN = re.compile(r"[a-z0-9][a-z0-9+#]*(?:[.][a-z0-9+#]+)*")


# Combining diacritical marks (U+0300–U+036F), deleted after NFKD decomposition.
_COMBINING_MARKS = re.compile("[\u0300-\u036f]+")


def model_view(text: str, limit: int = MAX_MODEL_CHARS) -> str:
    """The part of ``text`` the models read: all of it up to ``limit`` characters, else its
    head, cut after the last whitespace that leaves at least half of it.

    Bounds the time and memory of every model whatever the input's size (see
    :data:`~jobmatch.config.MAX_MODEL_CHARS`, the default limit).
    """
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = max(head.rfind(" "), head.rfind("\n"))
    return head[:cut] if cut >= limit // 2 else head


def cut_for_models(what: str, characters: int) -> tuple[str, ...]:
    """The warning for a text the models read only in part (:func:`model_view`), or none.

    Args:
        what: How the message names the text, e.g. ``"'cv.pdf'"``.
        characters: The text's length.
    """
    if characters <= MAX_MODEL_CHARS:
        return ()
    return (
        _(
            "{what} has {characters} characters; the models read the first {limit} (the "
            "whole text is kept)."
        ).format(what=what, characters=number(characters, 0), limit=number(MAX_MODEL_CHARS, 0)),
    )


def fold_accents(text: str) -> str:
    """Lower-case and strip accents: "Expérience Œuvre" → "experience oeuvre"."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    if text.isascii():
        return text
    return _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", text))


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """French and English stop words together: CVs and offers often mix both languages."""
    return FRENCH_STOP_WORDS | frozenset(fold_accents(word) for word in ENGLISH_STOP_WORDS)


def tokenize(text: str) -> list[str]:
    """Accent-folded word tokens without stop words; keeps "c++", "c#", "node.js", "r"."""
    words = stop_words()
    return [
        token
        for token in _TOKEN.findall(fold_accents(text))
        if token not in words and (len(token) > 1 or token in _SHORT_KEEP)
    ]


def detect_language(text: str) -> str:
    """Guess "fr" or "en" from the share of each language's stop words (default "en")."""
    tokens = _TOKEN.findall(fold_accents(text[:5000]))
    french = sum(token in FRENCH_STOP_WORDS for token in tokens)
    english = sum(token in ENGLISH_STOP_WORDS for token in tokens)
    return "fr" if french > english else "en"
