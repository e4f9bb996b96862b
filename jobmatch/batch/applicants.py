"""The recruiter's batch: every applicant of every posting of their organisation ranked on Ray.

One posting per task, on a pool of actors that load the models once: each task is
:func:`jobmatch.recruitment.applications.rank_applications`, so scores, bands and evidence
are those of the Applicants page, stored the same way. A worker that dies is restarted and its
posting ranked again (ranking a posting twice stores the same thing).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass

import ray
from ray.util import ActorPool
from sqlalchemy import select

from jobmatch.artifacts import atomic_write_text
from jobmatch.batch.cluster import MAX_RETRIES, cluster_cpus, ray_session, resolved_address
from jobmatch.batch.embed import worker_embedder
from jobmatch.config import Settings
from jobmatch.errors import JobmatchError
from jobmatch.matching.ranking import StageProgress
from jobmatch.pipeline import TIMINGS_FILE, StageTimer
from jobmatch.recruitment import tables as t
from jobmatch.recruitment.accounts import User, normalised_email
from jobmatch.recruitment.applications import rank_applications
from jobmatch.recruitment.errors import AccessDenied
from jobmatch.recruitment.offers import list_postings
from jobmatch.storage import Database

#: The progress stage of the postings.
POSTINGS_STAGE = "Postings"


class UnknownRecruiter(JobmatchError, LookupError):
    """No recruiter account has this e-mail."""


def recruiter(database: Database, email: str) -> User:
    """The recruiter account with this e-mail (for the command line, which has no session).

    Raises:
        UnknownRecruiter: No recruiter has it.
    """
    users = t.users
    with database.engine.connect() as conn:
        row = conn.execute(
            select(users).where(
                users.c.email == normalised_email(email), users.c.role == "recruiter"
            )
        ).one_or_none()
    if row is None:
        raise UnknownRecruiter(f"No recruiter account has the e-mail {email!r}.")
    return User(
        id=row.id,
        email=row.email,
        name=row.name,
        role=row.role,
        organisation_id=row.organisation_id,
    )


@ray.remote(num_cpus=1, max_restarts=MAX_RETRIES, max_task_retries=MAX_RETRIES)
class _PostingRanker:
    """A worker: the database and the models, opened once, ranking posting after posting."""

    def __init__(self, database_url: str, settings: Settings, models: Sequence[str]) -> None:
        self.database = Database(database_url)
        self.settings = settings
        self.embedders = [worker_embedder(model) for model in models]

    def rank(self, actor: User, posting_id: str) -> tuple[str, int, float]:
        """Rank one posting's applications; returns its id, how many, and the seconds."""
        started = time.perf_counter()
        ranked = rank_applications(
            self.database, actor, posting_id, settings=self.settings, embedders=self.embedders
        )
        return posting_id, len(ranked), time.perf_counter() - started


@dataclass(frozen=True)
class ApplicantsRun:
    """A finished ranking of every applicant.

    Args:
        run_id: The run's id in the database (kind ``batch-applicants``).
        ranked: Posting id → applications ranked.
        timings: Seconds per stage (``ranking`` summed over the workers), also in the run's
            ``timings.json``.
    """

    run_id: str
    ranked: dict[str, int]
    timings: dict[str, float]


def rank_all_applications(
    database: Database,
    actor: User,
    *,
    settings: Settings,
    models: Sequence[str] | None = None,
    workers: int | None = None,
    ray_address: str | None = None,
    progress: StageProgress | None = None,
) -> ApplicantsRun:
    """Rank the applications of every posting of the recruiter's organisation, on Ray;
    recorded as a ``batch-applicants`` run.

    Args:
        database: The database (the workers open it too: SQLite on one machine, PostgreSQL for
            a cluster).
        actor: A recruiter.
        settings: Cache folder and reranker, as for the Applicants page.
        models: Embedders by name. Default ``settings.embedders``.
        workers: Actors. Default one per CPU of the Ray cluster, at most one per posting.
        ray_address: The Ray cluster (see :func:`~jobmatch.batch.cluster.ray_session`).
            Default ``JOBMATCH_RAY_ADDRESS``, else a local instance.
        progress: ``(stage, done, total)`` callback; the postings are :data:`POSTINGS_STAGE`.

    Raises:
        AccessDenied: ``actor`` is not a recruiter.
    """
    if not actor.is_recruiter:
        raise AccessDenied("page")
    models = list(settings.embedders if models is None else models)
    postings = [posting.id for posting in list_postings(database, actor)]
    params = {
        "organisation": actor.organisation_id,
        "postings": len(postings),
        "models": models,
        "ray_address": resolved_address(ray_address) or "local",
    }
    timer = StageTimer()
    ranked: dict[str, int] = {}
    with ray_session(ray_address), database.recorded_run("batch-applicants", params) as run_id:
        url = database.engine.url.render_as_string(hide_password=False)
        count = min(workers or cluster_cpus(), max(len(postings), 1))
        pool = [_PostingRanker.remote(url, settings, models) for _ in range(count)]
        try:
            jobs = ActorPool(pool).map_unordered(
                lambda ranker, posting: ranker.rank.remote(actor, posting), postings
            )
            for posting, applications, seconds in jobs:
                ranked[posting] = applications
                timer.seconds["ranking"] = timer.seconds.get("ranking", 0.0) + seconds
                if progress is not None:
                    progress(POSTINGS_STAGE, len(ranked), len(postings))
        finally:
            for ranker in pool:
                ray.kill(ranker)
        atomic_write_text(
            settings.runs_dir / run_id / TIMINGS_FILE, json.dumps(timer.seconds, indent=2)
        )
    return ApplicantsRun(run_id, ranked, timer.seconds)
