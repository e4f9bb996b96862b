"""The matching pages used as a user would, in French and in English: ranking, the
cross-encoder's view, explanations, two CVs compared, validation. Every page runs without an
exception and shows none of the machine's internals: no ``None``, ``nan``, ``fallback``,
server path or hex id, no snake_case label, scores rounded, whole-number count axes."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
import test_app
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, Widget

from jobmatch.i18n import LANGUAGES
from jobmatch.i18n import language as in_language
from ui import NO_LLM

workspace = test_app.workspace  # the same empty-data-folder fixture

#: What must never be shown to a user.
INTERNALS = re.compile(r"\bNone\b|\bnan\b|\bNaN\b|fallback|/tmp/|\b[0-9a-f]{32}\b")
#: A machine name used as a label ("final_score", "count="); file names ("cv_ia.txt") pass.
SNAKE_CASE = re.compile(r"(?<![\w./])[a-z]+(?:_[a-z0-9]+)+(?![\w.(])|\bcount=")
#: A score written with decimals it does not need ("45.4545").
UNROUNDED = re.compile(r"\d+[.,]\d{3,}")
#: The verdicts' Material icons (never emoji).
VERDICT = re.compile(r"^:material/(check_circle|adjust|cancel): \*\*")


@pytest.fixture(params=LANGUAGES)
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each interface language in turn, also for the test's own thread: AppTest applies the
    widgets' ``format_func`` (which translate options) there."""
    with in_language(request.param):
        yield request.param


def page(name: str, language: str) -> AppTest:
    """A page of the app in ``language``, run on its own."""
    app = test_app.page(name)
    app.session_state["language"] = language
    return app


def _nodes(node: object) -> Iterator[object]:
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _nodes(child)


def _decoded(values: object) -> list:
    """A Plotly JSON array (a list, or ``{"dtype", "bdata"}`` as Plotly 6+ writes numbers)."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), values["dtype"]).tolist()
    return list(values or [])


def charts(app: AppTest) -> list[dict]:
    """Each Plotly figure of the page, as JSON."""
    return [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]


def table_text(element: object) -> tuple[list[str], list[str]]:
    """A table as drawn: the labels of its shown columns, and their cells (numbers in their
    column's printf format, a missing value as the table's placeholder, "None" without one)."""
    proto = element.proto
    config = json.loads(proto.columns or "{}")
    frame = element.value
    names = list(proto.column_order) or list(frame.columns)
    placeholder = proto.placeholder if proto.HasField("placeholder") else "None"
    labels, cells = [], []
    for name in names:
        column = config.get(name) or {}
        labels.append(column.get("label") or str(name))
        written = (column.get("type_config") or {}).get("format") or "%s"
        cells += [
            placeholder if pd.isna(value) else written % value for value in frame[name].tolist()
        ]
    return labels, cells


def shown(app: AppTest) -> tuple[list[str], list[str]]:
    """What a user reads: ``(labels, texts)``. Labels: tables' column labels, metrics',
    widgets' and charts' titles, axes, legends and hover texts. Texts: everything else drawn
    (titles, text, captions, alerts, metric values, table cells, widget options)."""
    labels: list[str] = []
    texts: list[str] = []
    for root in (app.main, app.sidebar):
        for node in _nodes(root):
            kind = type(node).__name__
            if kind == "Dataframe":
                columns, cells = table_text(node)
                labels += columns
                texts += cells
                continue
            for name in ("label", "help", "placeholder"):
                value = getattr(node, name, None)
                if isinstance(value, str):
                    labels.append(value)
            value = None if isinstance(node, Widget | Block) else getattr(node, "value", None)
            if isinstance(value, str | int | float):  # a widget's value is never drawn as such
                texts.append(str(value))
            options = getattr(node, "options", None)
            if isinstance(options, list):
                texts += map(str, options)
            label = getattr(getattr(node, "proto", None), "label", None)
            if isinstance(label, str):
                labels.append(label)
    for figure in charts(app):
        layout = figure["layout"]
        labels += [
            str(layout.get(part, {}).get("title", {}).get("text", ""))
            for part in ("xaxis", "yaxis", "legend")
        ]
        labels.append(str(layout.get("title", {}).get("text", "")))
        for trace in figure["data"]:
            labels += [str(trace.get("name", "")), str(trace.get("hovertemplate", ""))]
    return labels, texts


def assert_readable(app: AppTest) -> None:
    """No exception; no internals anywhere; human labels; rounded numbers; counts in whole
    numbers."""
    assert not app.exception, app.exception
    labels, texts = shown(app)
    assert texts, "the page drew nothing"
    leaks = [text for text in labels + texts if INTERNALS.search(text)]
    assert not leaks, leaks
    machine = [label for label in labels if SNAKE_CASE.search(label)]
    assert not machine, machine
    unrounded = [text for text in texts if UNROUNDED.fullmatch(text)]
    assert not unrounded, unrounded
    for figure in charts(app):
        for axis in ("yaxis", "xaxis"):
            settings = figure["layout"].get(axis, {})
            if settings.get("tickformat") == "d":
                assert float(settings["dtick"]).is_integer(), figure["layout"]["title"]


def test_matching_and_reranking_pages_say_what_the_scores_mean(workspace, language):

    app = page("matching.py", language).run()
    app.number_input[0].set_value(10)
    app.button[0].click().run()
    assert_readable(app)
    table = app.dataframe[0]
    config = json.loads(table.proto.columns)
    assert all(config[name].get("pinned") for name in ("rank", "title", "final_score"))
    scores = [name for name in config if name.endswith("_score")]
    assert {"final_score", "cross_score", "bi_score", "lexical_score"} <= set(scores)
    assert all(config[name].get("help") for name in scores), "a tooltip on every score"
    first = (
        ["Rank", "Title", "Final score"]
        if language == "en"
        else ["Rang", "Intitulé", "Score final"]
    )
    assert table_text(table)[0][:3] == first

    reranking = page("reranking.py", language).run()  # the run is read back from disk
    assert_readable(reranking)
    statement = reranking.info[0].value
    if language == "en":
        assert statement.startswith("The final score does not use the cross-encoder")
    else:
        assert statement.startswith("Le score final n'utilise pas le cross-encodeur")
    assert len(reranking.metric) == 3 and reranking.metric[0].value == "10"
    order = reranking.dataframe[0].value
    if (order["place_gap"] == 0).all():  # never a silent 0: the agreement is said
        assert reranking.success, "a sentence says the orders agree"


def test_the_histogram_follows_the_filters(workspace):
    app = page("matching.py", "en").run()
    app.button[0].click().run()
    contract = next(m for m in app.multiselect if m.label == "Contract")
    contract.select("CDI").run()
    assert_readable(app)
    shown_rows = len(app.dataframe[0].value)
    (histogram,) = charts(app)
    plotted = sum(len(_decoded(trace["x"])) for trace in histogram["data"])
    assert 0 < plotted == shown_rows < 40
    assert histogram["layout"]["yaxis"]["tickformat"] == "d"


def test_explanations_page_groups_one_verdict_and_five_tips_per_offer(workspace, language):

    app = page("explanations.py", language).run()
    app.sidebar.selectbox[0].select(NO_LLM).run()
    app.selectbox[0].select("cv_ingenieure_ia.txt").run()
    app.slider[0].set_value(3).run()
    app.button[0].click().run()
    assert_readable(app)
    markdown = [element.value for element in app.markdown]
    verdicts = [text for text in markdown if VERDICT.match(text)]
    assert len(verdicts) == 3 == len(app.dataframe), "one verdict and one table per offer"
    everything = "\n".join(shown(app)[1])
    for verdict in verdicts:
        sentence = verdict.split("**")[1]
        assert everything.count(sentence) == 1, "the verdict is said once"
    heading = "To add or stress in your CV" if language == "en" else "À ajouter ou à mettre"
    lists = [markdown[i + 1] for i, text in enumerate(markdown) if heading in text]
    assert lists and all(1 <= len(tips.splitlines()) <= 5 for tips in lists)
    tip_start = "Add " if language == "en" else "Ajoutez "
    assert all(tips.split(". ", 1)[1].startswith(tip_start) for tips in lists)
    badge = "standard wording" if language == "en" else "formulation standard"
    assert sum(badge in text for text in markdown) == 3
    assert not any(re.search(r"[\U0001F300-\U0001FAFF\u2705\u274C]", text) for text in markdown)


def test_compare_page_pins_titles_and_scores(workspace, language):

    app = page("compare_cvs.py", language).run()
    app.button[0].click().run()
    assert_readable(app)
    config = json.loads(app.dataframe[0].proto.columns)
    assert all(config[name].get("pinned") for name in ("title", "score_first", "score_second"))
    assert all(config[name].get("help") for name in ("score_first", "score_second", "score_gap"))
    assert "cv_ingenieure_ia.txt" in config["score_first"]["label"]


def test_validation_page_names_and_rounds_every_measure(workspace, language):

    app = page("validation.py", language).run()
    app.number_input[0].set_value(5)
    app.button[0].click().run()
    assert_readable(app)
    metrics = app.dataframe[0].value.set_index("metric")
    auc = metrics.loc["roc_auc", "final"]
    assert re.fullmatch(r"\d+ % \[\d+–\d+\]", auc), auc
    assert metrics.loc["roc_auc", "measure"] == ("ROC AUC" if language == "en" else "AUC ROC")
    separator = "." if language == "en" else ","
    assert separator in metrics.loc["pearson", "final"]
    assert len(app.get("download_button")) == 3
