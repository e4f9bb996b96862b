"""The workspace pages (Offers, Rewrite offers, Convert CV, CV synthesis, Overview, Run
history) as one workflow: what one page makes, the next one offers; in French and English;
no internals on screen (ids, paths, ``None``, ``nan``, ``fallback``)."""

from __future__ import annotations

import re

import pytest
import test_app
from streamlit.testing.v1 import AppTest

from jobmatch.config import Settings
from jobmatch.demo import demo_cv_paths, demo_offers
from jobmatch.documents import extract_document
from jobmatch.offers import DEMO_SOURCE, with_source
from jobmatch.pipeline import rank_documents
from jobmatch.storage import Database
from jobmatch.understanding.profile import synthesise_profile
from jobmatch.understanding.rewrite import rewrite_offers
from jobmatch.understanding.runs import PROFILE_FILE, SUMMARIES_FILE, record_stage
from jobmatch.workspace import save_cv
from ui import NO_LLM

page = test_app.page
workspace = test_app.workspace  # the same empty-data-folder fixture

PAGES = (
    "offers.py",
    "rewrite_offers.py",
    "convert_cv.py",
    "cv_synthesis.py",
    "overview.py",
    "runs.py",
)
#: What must never be on screen: Python's empty values, the LLM layer's word for the standard
#: wording, server paths and run ids.
INTERNALS = re.compile(r"\bNone\b|\b(?i:nan)\b|(?i:fallback)|/tmp/|\b[0-9a-f]{32}\b")
#: A date and time as the app writes them, in either language ("4 Dec 14:02", "4 déc. 14:02").
WHEN = r"\d+ \S+ \d\d:\d\d"


def shown_text(app: AppTest) -> list[str]:
    """Every piece of text the page shows: texts, messages, labels, options, table headers and
    text cells."""
    texts: list[str] = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "text",
        "info",
        "success",
        "warning",
        "error",
    ):
        texts += [str(element.value) for element in getattr(app, kind)]
    for metric in app.metric:
        texts += [metric.label, metric.value]
    for widget in [*app.selectbox, *app.radio, *app.multiselect]:
        texts += [widget.label, *widget.options]
    for widget in [*app.button, *app.checkbox, *app.number_input, *app.text_input]:
        texts.append(widget.label)
    for element in [*app.get("download_button"), *app.get("page_link")]:
        texts.append(element.proto.label)
    texts += [element.label for element in [*app.expander, *app.tabs]]
    for frame in app.dataframe:
        table = frame.value
        texts += [str(column) for column in table.columns]
        for column in table.select_dtypes("object"):
            texts += [cell for cell in table[column] if isinstance(cell, str)]
    return texts


@pytest.fixture
def filled(workspace):
    """A workspace with what every stage leaves: stored offers and a CV, a ranking, offer
    summaries, a profile, a failed run and one still running."""
    settings = Settings(data_dir=workspace)
    offers = with_source(demo_offers()[:8], DEMO_SOURCE)
    document = extract_document(demo_cv_paths()[0], settings=settings)
    with Database.from_settings(settings) as database:
        save_cv(document, database, settings)
        rank_documents(
            [document], offers, settings=settings, database=database, embedders=[], reranker=None
        )
        record_stage(
            "rewrite",
            {"offers": "app", "llm": ""},
            lambda: rewrite_offers(offers[:2], None),
            SUMMARIES_FILE,
            settings=settings,
            database=database,
        )
        record_stage(
            "profile",
            {"cv": document.name, "llm": "", "keep_identity": False},
            lambda: synthesise_profile(document.text, None),
            PROFILE_FILE,
            settings=settings,
            database=database,
        )
        failed = database.start_run("rank", {"cvs": ["other.txt"]})
        database.finish_run(failed, status="failed", error="The CV could not be read.")
        database.start_run("scrape", {"keywords": "data analyst", "location": "Lyon"})
    return workspace


@pytest.mark.parametrize("language", ["en", "fr"])
def test_workspace_pages_show_no_internals_in_either_language(filled, language):
    for name in PAGES:
        app = page(name)
        app.session_state["language"] = language
        app.run()
        assert not app.exception, name
        leaks = [text for text in shown_text(app) if INTERNALS.search(text)]
        assert not leaks, f"{name}: {leaks}"


def test_pages_speak_french_by_default_and_english_when_asked(filled, monkeypatch):
    monkeypatch.delenv("JOBMATCH_LANGUAGE", raising=False)  # the app's default: French
    runs = page("runs.py").run()
    history = runs.dataframe[0].value
    assert list(history.columns[:4]) == ["Exécution", "État", "Début", "Durée"]
    assert history["Exécution"].str.fullmatch(rf"Classement · {WHEN} · 8 offres · .+").any()
    assert set(history["État"]) == {"Terminée", "Échouée", "En cours"}
    assert "—" in set(history["Durée"])  # the run still going
    assert "En cours" in history["État"].tolist()
    rewrite = page("rewrite_offers.py").run()
    assert set(rewrite.dataframe[0].value["Formulation"]) == {"formulation standard"}
    assert any("formulation standard" in m.value for m in rewrite.markdown)  # the badge
    assert rewrite.selectbox(key="rewrite.run").options[0].startswith("Synthèses d'offres · ")

    english = page("cv_synthesis.py")
    english.session_state["language"] = "en"
    english.run()
    assert any("standard wording" in m.value for m in english.markdown)
    assert english.selectbox(key="cv_synthesis.run").options[0].startswith("CV profile · ")
    assert english.metric[0].label == "Seniority"


def test_what_one_page_makes_the_next_page_offers(workspace):
    offers = page("offers.py").run()
    offers.text_area(key="paste.text").input(
        "Data analyst (H/F)\nEntreprise : Acme\nLieu : Lyon\nContrat : CDI\n"
        "Analyse de données avec Python et SQL pour l'équipe finance."
    )
    offers.button(key="paste.add").click().run()
    assert not offers.exception and offers.success[0].value == "Offer added."
    stored = offers.dataframe[0].value
    assert stored["title"].tolist() == ["Data analyst (H/F)"]
    assert stored["source"].tolist() == ["Pasted"]
    offers.selectbox(key="stored.since").select("week").run()  # the pasted offer has no date
    assert offers.dataframe[0].value.empty

    convert = page("convert_cv.py").run()
    convert.selectbox[0].select("cv_gestion_locative.pdf").run()
    assert not convert.exception

    rewrite = page("rewrite_offers.py").run()
    assert rewrite.radio[0].value == "Stored offers"  # what the workspace holds comes first
    assert rewrite.multiselect(key="offers.sources").options == ["Pasted"]
    rewrite.sidebar.selectbox[0].select(NO_LLM).run()
    rewrite.button[0].click().run()
    assert not rewrite.exception
    assert rewrite.dataframe[0].value["Title"].tolist() == ["Data analyst (H/F)"]

    synthesis = page("cv_synthesis.py").run()
    assert synthesis.radio[0].value == "Stored CVs"
    (stored_cv,) = synthesis.selectbox(key="CV.stored").options
    assert re.fullmatch(rf"cv_gestion_locative\.pdf · {WHEN}", stored_cv)
    synthesis.sidebar.selectbox[0].select(NO_LLM).run()
    synthesis.button[0].click().run()
    assert not synthesis.exception and "Identity removed" in synthesis.success[0].value

    reopened = page("cv_synthesis.py").run()  # a new session: the profile is read back
    assert reopened.selectbox(key="cv_synthesis.run").options[0].startswith("CV profile · ")
    assert reopened.dataframe[0].value.set_index("Field").loc["Language of the CV", "Value"] in {
        "French",
        "English",
    }

    overview = page("overview.py").run()
    assert [metric.value for metric in overview.metric] == ["1", "1", "2"]
    assert overview.info[0].value.startswith("Next: **Semantic matching**")
    done = [m.value for m in overview.markdown if m.value.startswith(":material/check_circle:")]
    assert done == [
        ":material/check_circle: 1 offer stored",
        ":material/check_circle: 1 summary run",
        ":material/check_circle: 1 CV stored",
        ":material/check_circle: 1 profile",
    ]
