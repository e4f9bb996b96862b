"""Tables and charts of the recruiter's dashboard, in the current language."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import func, select

from jobmatch.i18n import _
from jobmatch.insights import count_tick_step, score_histogram
from jobmatch.recruitment import tables as t
from jobmatch.recruitment.accounts import User
from jobmatch.recruitment.applications import status_label
from jobmatch.recruitment.errors import AccessDenied
from jobmatch.storage import Database

if TYPE_CHECKING:
    import plotly.graph_objects as go


def _frame(database: Database, actor: User, query) -> pd.DataFrame:
    if not actor.is_recruiter:
        raise AccessDenied("page")
    query = query.where(t.postings.c.organisation_id == actor.organisation_id)
    with database.engine.connect() as conn:
        result = conn.execute(query)
        return pd.DataFrame(result.all(), columns=list(result.keys()))


def _offer_join(query):
    return query.join(t.postings, t.postings.c.id == t.applications.c.posting_id).join(
        t.offers_table, t.offers_table.c.id == t.postings.c.offer_id
    )


def applications_by_status(database: Database, actor: User) -> pd.DataFrame:
    """Columns ``offer``, ``status``, ``applications``: counts for the organisation's offers."""
    offer = t.offers_table.c.title.label("offer")
    query = _offer_join(
        select(
            offer,
            t.applications.c.status,
            func.count().label("applications"),
        ).select_from(t.applications)
    ).group_by(offer, t.applications.c.status)
    return _frame(database, actor, query).sort_values(["offer", "status"], ignore_index=True)


def score_distribution(database: Database, actor: User) -> pd.DataFrame:
    """Columns ``offer``, ``final_score``, ``band``: one row per ranked application."""
    query = _offer_join(
        select(
            t.offers_table.c.title.label("offer"),
            t.applications.c.final_score,
            t.applications.c.band,
        )
        .select_from(t.applications)
        .where(t.applications.c.final_score.is_not(None))
    )
    return _frame(database, actor, query)


def results_by_skill(database: Database, actor: User) -> pd.DataFrame:
    """Columns ``offer``, ``skill``, ``mean_score`` (0–100), ``answers``: graded answers per
    skill checked."""
    offer = t.offers_table.c.title.label("offer")
    query = (
        select(
            offer,
            t.questions.c.skill,
            (100 * func.avg(t.grades.c.score)).label("mean_score"),
            func.count().label("answers"),
        )
        .select_from(t.grades)
        .join(t.questions, t.questions.c.id == t.grades.c.question_id)
        .join(t.assessments, t.assessments.c.id == t.questions.c.assessment_id)
        .join(t.postings, t.postings.c.id == t.assessments.c.posting_id)
        .join(t.offers_table, t.offers_table.c.id == t.postings.c.offer_id)
        .group_by(offer, t.questions.c.skill)
    )
    frame = _frame(database, actor, query)
    return frame.sort_values(["offer", "mean_score"], ignore_index=True)


def status_chart(frame: pd.DataFrame) -> go.Figure:
    """Applications per offer, stacked by status (:func:`applications_by_status`), with a
    whole-number count axis, in the current language."""
    import plotly.express as px

    shown = frame.assign(status=frame["status"].map(status_label))
    figure = px.bar(
        shown,
        x="offer",
        y="applications",
        color="status",
        labels={"offer": _("Offer"), "applications": _("Applications"), "status": _("Status")},
    )
    largest = int(frame.groupby("offer")["applications"].sum().max()) if len(frame) else 0
    figure.update_yaxes(rangemode="tozero", tickformat="d", dtick=count_tick_step(largest))
    return figure


def score_chart(frame: pd.DataFrame) -> go.Figure:
    """The matcher's scores of the applications (:func:`score_distribution`) per offer, with
    a whole-number count axis, in the current language."""
    counted = _("Applications")
    figure = score_histogram(
        frame,
        "final_score",
        "offer",
        title="",
        x_title=_("Final score (%)"),
        legend_title=_("Offer"),
    )
    figure.update_yaxes(title=counted)
    figure.for_each_trace(
        lambda trace: trace.update(
            hovertemplate=trace.hovertemplate.replace(f"{_('Offers')}=", f"{counted}=")
        )
    )
    return figure


def skills_chart(frame: pd.DataFrame) -> go.Figure:
    """The mean test score per skill and offer (:func:`results_by_skill`), 0–100, in the
    current language."""
    import plotly.express as px

    figure = px.bar(
        frame,
        x="skill",
        y="mean_score",
        color="offer",
        barmode="group",
        labels={"skill": _("Skill"), "mean_score": _("Mean score (%)"), "offer": _("Offer")},
    )
    figure.update_yaxes(range=[0, 100])
    return figure
