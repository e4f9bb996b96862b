"""Tables behind the recruiter's dashboard (the page draws them with Plotly)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select

from jobmatch.recruitment import tables as t
from jobmatch.recruitment.accounts import User
from jobmatch.recruitment.errors import AccessDenied
from jobmatch.storage import Database


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
