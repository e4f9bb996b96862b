"""The French catalogue covers every marked string of the code, keeps its placeholders, and
dates and numbers follow the language."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from jobmatch import i18n
from jobmatch.config import PROJECT_ROOT

KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
_PLACEHOLDER = re.compile(r"\{[a-z_0-9]*(?::[^}]*)?\}")


def marked_strings() -> dict[str, str]:
    """Every string marked for translation in the app and the package → where it is."""
    sources = [PROJECT_ROOT / "Home.py", PROJECT_ROOT / "ui.py"]
    sources += sorted((PROJECT_ROOT / "app_pages").rglob("*.py"))
    sources += sorted((PROJECT_ROOT / "jobmatch").rglob("*.py"))
    found: dict[str, str] = {}
    for path in sources:
        for line, message, _, _ in extract_from_file("python", path, keywords=KEYWORDS):
            for text in message if isinstance(message, tuple) else (message,):
                found.setdefault(text, f"{path.relative_to(PROJECT_ROOT)}:{line}")
    return found


def french_ids() -> set[str]:
    """The source strings the French catalogues translate (not fuzzy, not empty)."""
    ids: set[str] = set()
    for path in (i18n.LOCALES_DIR / "fr" / "LC_MESSAGES").glob("*.po"):
        with path.open("rb") as handle:
            for message in read_po(handle):
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                if message.id and not message.fuzzy and all(strings):
                    ids.update(message.id if isinstance(message.id, tuple) else (message.id,))
    return ids


def test_every_marked_string_has_a_french_translation_with_the_same_placeholders() -> None:
    catalogue = i18n.translations("fr")
    translated = french_ids()
    missing, broken = [], []
    for text, where in marked_strings().items():
        french = catalogue.gettext(text)
        if text not in translated:
            missing.append(f"{where}: {text!r}")
        elif sorted(_PLACEHOLDER.findall(french)) != sorted(_PLACEHOLDER.findall(text)):
            broken.append(f"{where}: {text!r} → {french!r}")
    assert not missing, "untranslated:\n" + "\n".join(missing)
    assert not broken, "placeholders differ:\n" + "\n".join(broken)


def test_the_language_is_french_by_default_and_per_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("JOBMATCH_LANGUAGE", raising=False)
    assert i18n.default_language() == "fr"
    with i18n.language("fr"):
        assert i18n._("Offers") == "Offres"
        with i18n.language("en"):
            assert i18n._("Offers") == "Offers"
        assert i18n._("Offers") == "Offres"
    monkeypatch.setenv("JOBMATCH_LANGUAGE", "xx")
    assert i18n.default_language() == "fr"


def test_dates_and_numbers_are_written_the_languages_way() -> None:
    moment = datetime(2026, 12, 4, 14, 2, tzinfo=UTC)
    with i18n.language("fr"):
        assert re.fullmatch(r"4 déc\. \d\d:02", i18n.short_datetime(moment))
        assert i18n.number(45.4545) == "45,5"
    with i18n.language("en"):
        assert re.fullmatch(r"4 Dec \d\d:02", i18n.short_datetime(moment))
        assert i18n.number(1234.56, 0) == "1,235"
