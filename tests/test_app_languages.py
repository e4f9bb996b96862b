"""Every page of the app, in French and in English: no exception, and none of the machine's
internals on screen (``None``, ``nan``, ``fallback``, server paths, hex ids)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from jobmatch.config import PROJECT_ROOT
from jobmatch.i18n import LANGUAGES

TIMEOUT = 300
PAGES = sorted(
    str(path.relative_to(PROJECT_ROOT / "app_pages"))
    for path in (PROJECT_ROOT / "app_pages").rglob("*.py")
    if path.name not in {"__init__.py", "session.py"}
)
#: What must never be shown to a user.
INTERNALS = re.compile(r"\bNone\b|\bnan\b|\bNaN\b|fallback|/tmp/|\b[0-9a-f]{32}\b")
_TEXT_ATTRIBUTES = ("label", "value", "options", "help", "placeholder", "body")


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("JOBMATCH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("JOBMATCH_DATABASE_URL", raising=False)
    return tmp_path


def _nodes(node: object) -> Iterator[object]:
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _nodes(child)


def shown_text(app: AppTest) -> list[str]:
    """The text of every element drawn: labels, values, options, tables' headers and cells."""
    texts: list[str] = []
    for root in (app.main, app.sidebar):
        for node in _nodes(root):
            for attribute in _TEXT_ATTRIBUTES:
                try:
                    value = getattr(node, attribute)
                except Exception:  # not every element has every attribute
                    continue
                if isinstance(value, pd.DataFrame):
                    texts.extend(map(str, value.columns))
                    texts.extend(value.astype(str).to_numpy().ravel().tolist())
                elif isinstance(value, list | tuple):
                    texts.extend(map(str, value))
                elif isinstance(value, str):
                    texts.append(value)
            proto = getattr(node, "proto", None)
            label = getattr(proto, "label", None)
            if isinstance(label, str):
                texts.append(label)
    return texts


def internals(app: AppTest) -> list[str]:
    return [text for text in shown_text(app) if INTERNALS.search(text)]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", PAGES)
def test_every_page_runs_in_both_languages_without_internals(
    name: str, language: str, workspace: Path
) -> None:
    app = AppTest.from_file(str(PROJECT_ROOT / "app_pages" / name), default_timeout=TIMEOUT)
    app.session_state["language"] = language
    app.run()
    assert not app.exception, app.exception
    assert shown_text(app), "the page drew nothing"
    assert internals(app) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_router_speaks_the_chosen_language(language: str, workspace: Path) -> None:
    app = AppTest.from_file(str(PROJECT_ROOT / "Home.py"), default_timeout=TIMEOUT)
    app.session_state["language"] = language
    app.run()
    assert not app.exception
    switch = "Langue" if language == "fr" else "Language"
    assert switch in shown_text(app)
    assert internals(app) == []
