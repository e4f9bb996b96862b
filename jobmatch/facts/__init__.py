"""Facts of offers and CVs (skills, titles, experience, contract, salary…) and CV anonymisation.

Deterministic and offline: rules, skill-extractor's gazetteer and context classifier over the
bundled MiniLM, and the bundled spaCy models for names and places.
"""

from jobmatch.facts.anonymise import Anonymised, anonymise
from jobmatch.facts.extract import Facts, extract_facts, offer_facts
from jobmatch.facts.skills import normalise_skill

__all__ = [
    "Anonymised",
    "Facts",
    "anonymise",
    "extract_facts",
    "normalise_skill",
    "offer_facts",
]
