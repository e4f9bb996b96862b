"""Applications: a candidate applies with a CV; a recruiter ranks the applicants of an offer
with the same matcher as the job-seeker side (in reverse: one offer, many CVs), moves them
through statuses and exports them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from sqlalchemy import Connection, select, update

from jobmatch.artifacts import atomic_write_csv
from jobmatch.config import Settings
from jobmatch.demo import demo_offers
from jobmatch.documents import ExtractedDocument, safe_filename
from jobmatch.embeddings import Embedder, EmbeddingCache
from jobmatch.facts import extract_facts
from jobmatch.i18n import N_, _, short_datetime
from jobmatch.insights import band_label
from jobmatch.matching.ranking import FirstStageRanker
from jobmatch.matching.reranking import Reranker, load_reranker, rerank_matches
from jobmatch.recruitment import tables as t
from jobmatch.recruitment.accounts import User
from jobmatch.recruitment.errors import AccessDenied, RecruitmentError
from jobmatch.recruitment.offers import get_posting, posting_row
from jobmatch.storage import Database
from jobmatch.understanding.explain import skill_mentions

Status = Literal["new", "shortlisted", "tested", "interview", "rejected", "hired"]
STATUSES: tuple[Status, ...] = ("new", "shortlisted", "tested", "interview", "rejected", "hired")
#: How each status reads (translated when shown).
STATUS_LABELS: dict[str, str] = {
    "new": N_("new"),
    "shortlisted": N_("shortlisted"),
    "tested": N_("tested"),
    "interview": N_("interview"),
    "rejected": N_("rejected"),
    "hired": N_("hired"),
}
#: Columns of the applications export, in order.
EXPORT_COLUMNS = (
    "rank",
    "candidate",
    "email",
    "status",
    "final_score",
    "band",
    "matched_skills",
    "missing_skills",
    "test_score",
    "cv_name",
    "applied_at",
)


@dataclass(frozen=True)
class Application:
    """One candidate's application to one posting.

    Args:
        id: The application's id.
        posting_id: The posting applied to.
        offer_title: Its title.
        candidate_id: The candidate's account.
        candidate_name: Their display name.
        candidate_email: Their e-mail.
        cv_id: The CV's id in the ``cvs`` table.
        cv_name: The CV's file name.
        status: One of :data:`STATUSES`.
        final_score: The matcher's calibrated 0–100 score; ``None`` until ranked.
        band: ``"strong"``, ``"partial"`` or ``"weak"``; empty until ranked.
        evidence: What the score rests on: ``matched`` and ``gaps`` (the offer's skills found
            and not found in the CV) and the signals' scores; empty until ranked.
        created_at: When the candidate applied (aware, UTC).
    """

    id: str
    posting_id: str
    offer_title: str
    candidate_id: str
    candidate_name: str
    candidate_email: str
    cv_id: str
    cv_name: str
    status: Status
    final_score: float | None
    band: str
    evidence: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None

    @property
    def gaps(self) -> list[str]:
        """Skills the offer asks for that the CV does not show (empty until ranked)."""
        return list(self.evidence.get("gaps", []))


def status_label(status: str) -> str:
    """An application status as people read it, in the current language."""
    return _(STATUS_LABELS.get(status, status))


def _now() -> datetime:
    return datetime.now(UTC)


def _query():
    apps, offers = t.applications, t.offers_table
    return (
        select(
            apps,
            offers.c.title.label("offer_title"),
            t.users.c.name.label("candidate_name"),
            t.users.c.email.label("candidate_email"),
            t.cvs_table.c.name.label("cv_name"),
            t.postings.c.organisation_id,
        )
        .join(t.postings, t.postings.c.id == apps.c.posting_id)
        .join(offers, offers.c.id == t.postings.c.offer_id)
        .join(t.users, t.users.c.id == apps.c.candidate_id)
        .join(t.cvs_table, t.cvs_table.c.id == apps.c.cv_id)
    )


def _application(row: Any) -> Application:
    return Application(
        id=row.id,
        posting_id=row.posting_id,
        offer_title=row.offer_title,
        candidate_id=row.candidate_id,
        candidate_name=row.candidate_name,
        candidate_email=row.candidate_email,
        cv_id=row.cv_id,
        cv_name=row.cv_name,
        status=row.status,
        final_score=row.final_score,
        band=row.band,
        evidence=json.loads(row.evidence),
        created_at=row.created_at,
    )


def application_row(conn: Connection, actor: User, application_id: str) -> Any:
    """The application's row if ``actor`` may see it (its candidate, or a recruiter of the
    posting's organisation), else :class:`AccessDenied`."""
    row = conn.execute(_query().where(t.applications.c.id == application_id)).one_or_none()
    allowed = row is not None and (
        row.organisation_id == actor.organisation_id
        if actor.is_recruiter
        else row.candidate_id == actor.id
    )
    if not allowed:
        raise AccessDenied("application")
    return row


def get_application(database: Database, actor: User, application_id: str) -> Application:
    """One application, if the actor may see it."""
    with database.engine.connect() as conn:
        return _application(application_row(conn, actor, application_id))


def apply(
    database: Database, actor: User, posting_id: str, document: ExtractedDocument
) -> Application:
    """A candidate applies to an open posting with an extracted CV (once per posting).

    Args:
        database: The database.
        actor: A candidate.
        posting_id: An open posting.
        document: The CV, from :func:`jobmatch.documents.extract_document` (which reports
            unreadable files with a clear message).

    Raises:
        RecruitmentError: Not a candidate, the posting is closed, or they applied already.
    """
    if actor.is_recruiter:
        raise RecruitmentError(_("Recruiters cannot apply to offers."))
    posting = get_posting(database, actor, posting_id)
    if posting.status != "open":
        raise RecruitmentError(_("This offer is closed: it takes no more applications."))
    cv_id = database.add_cv(
        document.name, document.text, document.sha256, document.file_type, owner=actor.id
    )
    application_id = uuid.uuid4().hex
    now = _now()
    with database.transaction(write_lock=True) as conn:
        taken = conn.scalar(
            select(t.applications.c.id).where(
                t.applications.c.posting_id == posting_id,
                t.applications.c.candidate_id == actor.id,
            )
        )
        if taken is not None:
            raise RecruitmentError(_("You have already applied to this offer."))
        conn.execute(
            t.applications.insert().values(
                id=application_id,
                posting_id=posting_id,
                candidate_id=actor.id,
                cv_id=cv_id,
                status="new",
                final_score=None,
                band="",
                evidence="{}",
                created_at=now,
                updated_at=now,
            )
        )
    return get_application(database, actor, application_id)


def list_applications(
    database: Database, actor: User, posting_id: str | None = None
) -> list[Application]:
    """Applications the actor may see.

    A recruiter gets the applications of one of their organisation's postings (``posting_id``
    required), best score first (unranked last); a candidate gets their own, newest first.
    """
    apps = t.applications
    query = _query()
    with database.engine.connect() as conn:
        if actor.is_recruiter:
            if posting_id is None:
                raise RecruitmentError(_("Choose an offer."))
            posting_row(conn, actor, posting_id)
            query = query.where(apps.c.posting_id == posting_id).order_by(
                apps.c.final_score.is_(None), apps.c.final_score.desc(), apps.c.created_at
            )
        else:
            query = query.where(apps.c.candidate_id == actor.id)
            if posting_id is not None:
                query = query.where(apps.c.posting_id == posting_id)
            query = query.order_by(apps.c.created_at.desc())
        return [_application(row) for row in conn.execute(query)]


def skill_spellings(text: str) -> dict[str, str]:
    """Each skill ``text`` names (canonical name) → how it writes it (its longest spelling:
    ``"machine learning"`` rather than ``"ML"``), in the order it first names them."""
    return {skill: max(spellings, key=len) for skill, spellings in skill_mentions(text).items()}


def skill_evidence(offer_text: str, cv_text: str) -> dict[str, list[str]]:
    """The offer's skills the CV shows (``matched``) and does not show (``gaps``), hard skills
    first, in the offer's order (read with :func:`jobmatch.facts.extract_facts`)."""
    offer = extract_facts(offer_text)
    cv = set(extract_facts(cv_text).skills)
    wanted = list(dict.fromkeys(offer.hard_skills + offer.soft_skills))
    return {
        "matched": [skill for skill in wanted if skill in cv],
        "gaps": [skill for skill in wanted if skill not in cv],
    }


def rank_applications(
    database: Database,
    actor: User,
    posting_id: str,
    *,
    settings: Settings,
    embedders: Sequence[Embedder],
    reranker: Reranker | Literal["settings"] | None = "settings",
) -> list[Application]:
    """Score every application of a posting with the matcher and store score, band and
    evidence.

    Each CV is scored against the offer exactly as on the job-seeker side (TF-IDF fused with
    the bi-encoders, then the cross-encoder and calibration), so the 0–100 ``final_score`` and
    its band mean the same thing on both sides; applicants are then ordered by it. As there,
    the offer is ranked within a pool of offers, which sets TF-IDF's term weights: the
    bundled demo offers (fixed, so scores do not depend on what else is stored).

    Args:
        database: The database.
        actor: A recruiter of the posting's organisation.
        posting_id: The posting.
        settings: Cache folder and the reranker's default.
        embedders: Bi-encoders fused with TF-IDF.
        reranker: Cross-encoder, ``None`` for the first stage only; default ``"settings"``
            (``settings.reranker``, skipped when ``settings.rerank_top_k`` is 0).

    Returns:
        The applications, best first.
    """
    if not actor.is_recruiter:
        raise AccessDenied("page")
    offer = get_posting(database, actor, posting_id).offer
    if reranker == "settings":
        reranker = load_reranker(settings.reranker) if settings.rerank_top_k else None
    cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite3")
    try:
        ranker = FirstStageRanker(embedders, cache=cache)
        pool = [offer, *(other for other in demo_offers() if other.id != offer.id)]
        updates = []
        for application in list_applications(database, actor, posting_id):
            cv = database.get_cv(application.cv_id)
            frame = ranker.rank(cv.text, pool)
            frame = frame[frame["offer_id"] == offer.id].reset_index(drop=True)
            row = rerank_matches(frame, cv.text, {offer.id: offer.text}, reranker, 1).iloc[0]
            evidence = {
                **skill_evidence(offer.text, cv.text),
                "lexical_score": float(row.lexical_score),
                "bi_score": None if pd.isna(row.bi_score) else float(row.bi_score),
                "cross_score": None if pd.isna(row.cross_score) else float(row.cross_score),
            }
            updates.append((application.id, float(row.final_score), str(row.band), evidence))
    finally:
        cache.close()
    with database.transaction() as conn:
        for application_id, score, band, evidence in updates:
            conn.execute(
                update(t.applications)
                .where(t.applications.c.id == application_id)
                .values(
                    final_score=score,
                    band=band,
                    evidence=json.dumps(evidence, ensure_ascii=False),
                    updated_at=_now(),
                )
            )
    return list_applications(database, actor, posting_id)


def set_status(database: Database, actor: User, application_id: str, status: Status) -> Application:
    """A recruiter moves an application to another status (any of :data:`STATUSES`)."""
    if not actor.is_recruiter:
        raise AccessDenied("application")
    if status not in STATUSES:
        choices = ", ".join(status_label(choice) for choice in STATUSES)
        raise RecruitmentError(
            _("Unknown status: choose one of {choices}.").format(choices=choices)
        )
    with database.transaction() as conn:
        application_row(conn, actor, application_id)
        conn.execute(
            update(t.applications)
            .where(t.applications.c.id == application_id)
            .values(status=status, updated_at=_now())
        )
    return get_application(database, actor, application_id)


def _test_scores(database: Database, application_ids: list[str]) -> dict[str, float]:
    """Each application's latest graded test score (0–100)."""
    attempts = t.attempts
    query = (
        select(attempts.c.application_id, attempts.c.score)
        .where(attempts.c.application_id.in_(application_ids), attempts.c.score.is_not(None))
        .order_by(attempts.c.submitted_at)
    )
    with database.engine.connect() as conn:
        return {row.application_id: row.score for row in conn.execute(query)}


def applications_frame(database: Database, actor: User, posting_id: str) -> pd.DataFrame:
    """The posting's applications as a table (columns :data:`EXPORT_COLUMNS`), best first,
    with each candidate's latest graded test score."""
    if not actor.is_recruiter:
        raise AccessDenied("page")
    applications = list_applications(database, actor, posting_id)
    tests = _test_scores(database, [application.id for application in applications])
    rows = [
        {
            "rank": number,
            "candidate": application.candidate_name,
            "email": application.candidate_email,
            "status": application.status,
            "final_score": application.final_score,
            "band": application.band,
            "matched_skills": ", ".join(application.evidence.get("matched", [])),
            "missing_skills": ", ".join(application.gaps),
            "test_score": tests.get(application.id),
            "cv_name": application.cv_name,
            "applied_at": application.created_at,
        }
        for number, application in enumerate(applications, start=1)
    ]
    return pd.DataFrame(rows, columns=list(EXPORT_COLUMNS))


def readable_applications(frame: pd.DataFrame, offer_text: str) -> pd.DataFrame:
    """:func:`applications_frame` as people read it, in the current language: statuses and
    bands in words, skills as the offer (``offer_text``) writes them, dates written out."""
    names = skill_spellings(offer_text)

    def spelled(skills: str) -> str:
        return ", ".join(names.get(skill, skill) for skill in skills.split(", ") if skill)

    return frame.assign(
        status=frame["status"].map(status_label),
        band=frame["band"].map(lambda band: band_label(band) if band else ""),
        matched_skills=frame["matched_skills"].map(spelled),
        missing_skills=frame["missing_skills"].map(spelled),
        applied_at=frame["applied_at"].map(short_datetime),
    )


def export_applications(
    database: Database, actor: User, posting_id: str, settings: Settings
) -> Path:
    """Write :func:`applications_frame` atomically to ``exports/<offer>-applications.csv``."""
    posting = get_posting(database, actor, posting_id)
    name = safe_filename(f"{posting.offer.title}-{posting_id[:8]}-applications.csv")
    frame = applications_frame(database, actor, posting_id)
    return atomic_write_csv(settings.data_dir / "exports" / name, frame)
