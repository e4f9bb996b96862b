"""The recruitment tables as the queries use them (created by migrations v2 and v4 in
storage.py)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
)

from jobmatch.storage import UTCDateTime, cvs_table, offers_table

#: The recruitment part of the current schema (``offers`` and ``cvs`` are referenced from
#: :mod:`jobmatch.storage`).
metadata = MetaData()
offers_table.to_metadata(metadata)
cvs_table.to_metadata(metadata)

organisations = Table(
    "organisations",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
users = Table(
    "users",
    metadata,
    Column("id", Text, primary_key=True),
    Column("email", Text, nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("organisation_id", Text, ForeignKey("organisations.id"), index=True),
    Column("password_hash", Text, nullable=False),
    Column("failed_logins", Integer, nullable=False),
    Column("locked_until", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
)
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("bucket", Text, primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", UTCDateTime, nullable=False, index=True),
)
user_sessions = Table(
    "user_sessions",
    metadata,
    Column("token_hash", Text, primary_key=True),
    Column("user_id", Text, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
)
postings = Table(
    "postings",
    metadata,
    Column("id", Text, primary_key=True),
    Column("organisation_id", Text, ForeignKey("organisations.id"), nullable=False, index=True),
    Column("offer_id", Text, ForeignKey("offers.id"), nullable=False),
    Column("status", Text, nullable=False),
    Column("created_by", Text, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
applications = Table(
    "applications",
    metadata,
    Column("id", Text, primary_key=True),
    Column("posting_id", Text, ForeignKey("postings.id"), nullable=False, index=True),
    Column("candidate_id", Text, ForeignKey("users.id"), nullable=False, index=True),
    Column("cv_id", Text, ForeignKey("cvs.id"), nullable=False),
    Column("status", Text, nullable=False),
    Column("final_score", Float),
    Column("band", Text, nullable=False),
    Column("evidence", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("posting_id", "candidate_id"),
)
assessments = Table(
    "assessments",
    metadata,
    Column("id", Text, primary_key=True),
    Column("posting_id", Text, ForeignKey("postings.id"), nullable=False, index=True),
    Column("application_id", Text, ForeignKey("applications.id"), index=True),
    Column("title", Text, nullable=False),
    Column("time_limit_minutes", Integer, nullable=False),
    Column("status", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("created_by", Text, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
questions = Table(
    "questions",
    metadata,
    Column("id", Text, primary_key=True),
    Column(
        "assessment_id",
        Text,
        ForeignKey("assessments.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("position", Integer, nullable=False),
    Column("kind", Text, nullable=False),
    Column("prompt", Text, nullable=False),
    Column("choices", Text, nullable=False),
    Column("answer_index", Integer),
    Column("rubric", Text, nullable=False),
    Column("keywords", Text, nullable=False),
    Column("difficulty", Text, nullable=False),
    Column("skill", Text, nullable=False),
)
attempts = Table(
    "attempts",
    metadata,
    Column("id", Text, primary_key=True),
    Column("assessment_id", Text, ForeignKey("assessments.id"), nullable=False, index=True),
    Column("application_id", Text, ForeignKey("applications.id"), nullable=False),
    Column("candidate_id", Text, ForeignKey("users.id"), nullable=False, index=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("deadline", UTCDateTime, nullable=False),
    Column("submitted_at", UTCDateTime),
    Column("score", Float),
    UniqueConstraint("assessment_id", "candidate_id"),
)
answers = Table(
    "answers",
    metadata,
    Column("attempt_id", Text, ForeignKey("attempts.id", ondelete="CASCADE"), nullable=False),
    Column("question_id", Text, ForeignKey("questions.id"), nullable=False),
    Column("value", Text, nullable=False),
    Column("saved_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("attempt_id", "question_id"),
)
grades = Table(
    "grades",
    metadata,
    Column("attempt_id", Text, ForeignKey("attempts.id", ondelete="CASCADE"), nullable=False),
    Column("question_id", Text, ForeignKey("questions.id"), nullable=False),
    Column("score", Float, nullable=False),
    Column("reasoning", Text, nullable=False),
    PrimaryKeyConstraint("attempt_id", "question_id"),
)
