"""The grounding check: an LLM's text keeps only sentences whose skills and names are in the
evidence it was given."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from jobmatch.facts.skills import extract_skills
from jobmatch.text import detect_language, fold_accents, tokenize

#: Share of a generated text's content words that must come from its source: what a small
#: model invents (or copies from a prompt's worked example) fails it and is regenerated.
MIN_SUPPORT = 0.6
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
#: A capitalised word (possibly several, "Lumeo Analytics"), as organisations are written.
_CAPITALISED = re.compile(r"\b[A-ZÀ-Ý][\w&'’-]*(?:\s+[A-ZÀ-Ý][\w&'’-]*)*")
#: Capitalised words that name nobody (pronouns, the documents themselves).
_COMMON = frozenset("i cv le la les l un une vous votre your you the this it il elle".split())


@dataclass(frozen=True)
class Grounded:
    """A checked text.

    Attributes:
        text: The sentences that passed.
        flagged: Why each removed sentence was removed, one line each.
    """

    text: str
    flagged: list[str] = field(default_factory=list)


def support(text: str, source: str) -> float:
    """Share of the content words of ``text`` (stop words left out, accents folded) that
    also occur in ``source``: 1.0 when every word is taken from it, 0.0 for none (or no
    content word at all)."""
    words = tokenize(text)
    known = set(tokenize(source))
    return sum(word in known for word in words) / len(words) if words else 0.0


def repeats(text: str, size: int = 4) -> bool:
    """Whether a run of ``size`` words occurs twice (a small model's generation loop)."""
    words = fold_accents(text).split()
    grams = [tuple(words[i : i + size]) for i in range(len(words) - size + 1)]
    return len(grams) != len(set(grams))


def check_generated(text: str, context: Mapping[str, str] | None) -> None:
    """Raise ``ValueError`` (for a pydantic validator) unless ``text`` is in the context's
    ``language``, does not loop, and takes :data:`MIN_SUPPORT` of its words from the
    context's ``source``."""
    context = context or {}
    found = detect_language(text)
    if context.get("language") and found != context["language"]:
        raise ValueError(f"written in '{found}', expected '{context['language']}'")
    if repeats(text):
        raise ValueError("the same words repeat: write two short sentences")
    if "source" in context and support(text, context["source"]) < MIN_SUPPORT:
        raise ValueError("use the words of the text given, nothing else")


def sentences(text: str) -> list[str]:
    """``text`` split into sentences (on ., ! and ? followed by a space, and on new lines)."""
    return [s.strip() for line in text.splitlines() for s in _SENTENCE_END.split(line) if s.strip()]


def check_grounding(
    text: str,
    *,
    allowed_skills: Iterable[str],
    evidence: str,
    language: str,
    forbidden: Collection[str] = (),
) -> Grounded:
    """Remove the sentences of ``text`` that claim more than the evidence shows.

    A sentence is removed when it names a skill outside ``allowed_skills`` (found by the
    deterministic skill extractor), a capitalised name (an employer, a school, a tool) absent
    from ``evidence``, or a ``forbidden`` word (e.g. a score band other than the true one).

    Args:
        text: The generated text.
        allowed_skills: Canonical skill names the text may mention.
        evidence: Every text the generator was given (requirements, quotes, titles).
        language: ``"fr"`` or ``"en"``.
        forbidden: Lower-case words that must not appear. Default none.

    Returns:
        The kept sentences and one line per removed sentence.
    """
    allowed = set(allowed_skills)
    known = fold_accents(evidence)
    kept, flagged = [], []
    for sentence in sentences(text):
        hard, soft = extract_skills(sentence, language, "gazetteer")
        problems = [f"skill '{s}' not in the evidence" for s in (*hard, *soft) if s not in allowed]
        for match in _CAPITALISED.finditer(sentence):
            name = match.group(0)
            words = fold_accents(name).split()
            if match.start() == 0 and len(words) == 1:
                continue  # an ordinary sentence-initial word
            if words[0] in _COMMON or fold_accents(name) in known:
                continue
            problems.append(f"name '{name}' not in the evidence")
        folded_words = set(re.findall(r"\w+", fold_accents(sentence)))
        problems += [
            f"'{word}' contradicts the score" for word in forbidden if word in folded_words
        ]
        if problems:
            flagged.append(f"removed “{sentence}”: " + "; ".join(problems))
        else:
            kept.append(sentence)
    return Grounded(" ".join(kept), flagged)
