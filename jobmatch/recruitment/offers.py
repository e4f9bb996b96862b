"""Offers a recruiter publishes: written from scratch or promoted from a stored (scraped or
imported) offer, edited, closed and reopened. Candidates browse the open ones."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import Connection, select, update

from jobmatch.i18n import N_, _, short_datetime
from jobmatch.offers import Offer
from jobmatch.recruitment import tables as t
from jobmatch.recruitment.accounts import User
from jobmatch.recruitment.errors import AccessDenied, RecruitmentError
from jobmatch.storage import POSTINGS_SOURCE, Database

PostingStatus = Literal["open", "closed"]
#: ``source`` of the offers rows written by this module.
OFFERS_SOURCE = POSTINGS_SOURCE
#: How each posting status reads (translated when shown).
POSTING_STATUS_LABELS: dict[str, str] = {"open": N_("open"), "closed": N_("closed")}


@dataclass(frozen=True)
class Posting:
    """A published offer.

    Args:
        id: The posting's id.
        offer: The offer's text (stored in the ``offers`` table).
        status: ``"open"`` (candidates can apply) or ``"closed"``.
        organisation: The publishing organisation's name.
        created_at: When it was published (aware, UTC).
    """

    id: str
    offer: Offer
    status: PostingStatus
    organisation: str
    created_at: datetime

    def label(self) -> str:
        """How the recruiter tells it from their other offers, in the current language:
        ``"Data analyst · published 4 Dec 14:02 · open"``."""
        return _("{title} · published {date} · {status}").format(
            title=self.offer.title,
            date=short_datetime(self.created_at),
            status=posting_status_label(self.status),
        )


def posting_status_label(status: str) -> str:
    """A posting's status as people read it, in the current language."""
    return _(POSTING_STATUS_LABELS.get(status, status))


def _now() -> datetime:
    return datetime.now(UTC)


def _require_recruiter(actor: User) -> None:
    if not actor.is_recruiter:
        raise AccessDenied("page")


def posting_row(conn: Connection, actor: User, posting_id: str, *, for_update: bool = False):
    """The posting's row if ``actor`` may see it, else :class:`AccessDenied`.

    A recruiter sees their organisation's postings; a candidate sees open postings and those
    they applied to. ``for_update`` asks for the recruiter's right to change it.
    """
    row = conn.execute(select(t.postings).where(t.postings.c.id == posting_id)).one_or_none()
    if row is None:
        raise AccessDenied("offer")
    if actor.is_recruiter:
        if row.organisation_id != actor.organisation_id:
            raise AccessDenied("offer")
        return row
    applied = conn.scalar(
        select(t.applications.c.id).where(
            t.applications.c.posting_id == posting_id,
            t.applications.c.candidate_id == actor.id,
        )
    )
    if for_update or (row.status != "open" and applied is None):
        raise AccessDenied("offer")
    return row


def _postings(conn: Connection, where: list) -> list[Posting]:
    query = (
        select(t.postings, t.organisations.c.name.label("organisation"))
        .join(t.organisations, t.organisations.c.id == t.postings.c.organisation_id)
        .where(*where)
        .order_by(t.postings.c.created_at.desc(), t.postings.c.id)
    )
    rows = conn.execute(query).all()
    offers = t.offers_table
    texts = {
        row.id: row
        for row in conn.execute(select(offers).where(offers.c.id.in_([r.offer_id for r in rows])))
    }
    return [
        Posting(
            id=row.id,
            offer=Offer(
                id=row.offer_id,
                title=texts[row.offer_id].title,
                company=texts[row.offer_id].company,
                location=texts[row.offer_id].location,
                description=texts[row.offer_id].description,
                url=texts[row.offer_id].url,
            ),
            status=row.status,
            organisation=row.organisation,
            created_at=row.created_at,
        )
        for row in rows
    ]


def list_postings(database: Database, actor: User) -> list[Posting]:
    """Postings the actor may see, newest first: a recruiter's organisation's (all statuses),
    or every open posting for a candidate."""
    if actor.is_recruiter:
        where = [t.postings.c.organisation_id == actor.organisation_id]
    else:
        where = [t.postings.c.status == "open"]
    with database.engine.connect() as conn:
        return _postings(conn, where)


def get_posting(database: Database, actor: User, posting_id: str) -> Posting:
    """One posting, if the actor may see it (see :func:`posting_row`)."""
    with database.engine.connect() as conn:
        posting_row(conn, actor, posting_id)
        return _postings(conn, [t.postings.c.id == posting_id])[0]


def _checked_offer(offer: Offer) -> Offer:
    if not offer.title.strip() or len(offer.description.strip()) < 20:
        raise RecruitmentError(
            _("An offer needs a title and a description (20 characters or more).")
        )
    return offer


def publish_offer(
    database: Database,
    actor: User,
    title: str,
    description: str,
    *,
    location: str = "",
    company: str = "",
    url: str = "",
) -> Posting:
    """Publish a new offer for the recruiter's organisation.

    Args:
        database: The database.
        actor: A recruiter.
        title: Job title.
        description: Full text of the offer (its requirements are read from it).
        location: Where; default empty.
        company: Shown company name; default the organisation's name.
        url: A link; default empty.
    """
    _require_recruiter(actor)
    with database.engine.connect() as conn:
        organisation = conn.scalar(
            select(t.organisations.c.name).where(t.organisations.c.id == actor.organisation_id)
        )
    offer = _checked_offer(
        Offer(
            id=f"job-{uuid.uuid4().hex[:16]}",
            title=title.strip(),
            company=company.strip() or organisation,
            location=location.strip(),
            description=description.strip(),
            url=url.strip(),
        )
    )
    return _publish(database, actor, offer)


def publishable_offers(database: Database, actor: User) -> list[Offer]:
    """The stored offers a recruiter may publish a copy of: scraped, imported or pasted ones
    (not postings), in the order they were stored."""
    _require_recruiter(actor)
    offers = t.offers_table
    with database.engine.connect() as conn:
        ids = list(conn.scalars(select(offers.c.id).where(offers.c.source != OFFERS_SOURCE)))
    return database.get_offers(ids) if ids else []


def promote_offer(database: Database, actor: User, offer_id: str) -> Posting:
    """Publish a copy of a stored offer: a scraped or imported one, or one of the recruiter's
    organisation's postings (never another organisation's); later edits change the copy.

    Raises:
        AccessDenied: No such offer, or it is another organisation's posting.
    """
    _require_recruiter(actor)
    offers = t.offers_table
    with database.engine.connect() as conn:
        stored = conn.scalar(select(offers.c.source).where(offers.c.id == offer_id))
        own = conn.scalar(
            select(t.postings.c.id).where(
                t.postings.c.offer_id == offer_id,
                t.postings.c.organisation_id == actor.organisation_id,
            )
        )
    if stored is None or (stored == OFFERS_SOURCE and own is None):
        raise AccessDenied("offer")
    (source,) = database.get_offers([offer_id])
    copy = Offer(
        id=f"job-{uuid.uuid4().hex[:16]}",
        title=source.title,
        company=source.company,
        location=source.location,
        description=source.description,
        url=source.url,
        extra={"promoted_from": source.id},
    )
    return _publish(database, actor, _checked_offer(copy))


def _publish(database: Database, actor: User, offer: Offer) -> Posting:
    database.upsert_offers([offer], source=OFFERS_SOURCE)
    posting_id = uuid.uuid4().hex
    now = _now()
    with database.transaction() as conn:
        conn.execute(
            t.postings.insert().values(
                id=posting_id,
                organisation_id=actor.organisation_id,
                offer_id=offer.id,
                status="open",
                created_by=actor.id,
                created_at=now,
                updated_at=now,
            )
        )
    return get_posting(database, actor, posting_id)


def edit_offer(
    database: Database,
    actor: User,
    posting_id: str,
    *,
    title: str,
    description: str,
    location: str,
    company: str,
) -> Posting:
    """Change a posting's text (the recruiter's organisation only)."""
    _require_recruiter(actor)
    posting = get_posting(database, actor, posting_id)
    offer = Offer(
        id=posting.offer.id,
        title=title.strip(),
        company=company.strip(),
        location=location.strip(),
        description=description.strip(),
        url=posting.offer.url,
    )
    database.upsert_offers([_checked_offer(offer)], source=OFFERS_SOURCE)
    return get_posting(database, actor, posting_id)


def set_posting_status(
    database: Database, actor: User, posting_id: str, status: PostingStatus
) -> Posting:
    """Close a posting (no new applications) or open it again."""
    _require_recruiter(actor)
    if status not in ("open", "closed"):
        raise RecruitmentError(_("Unknown status: choose open or closed."))
    with database.transaction() as conn:
        posting_row(conn, actor, posting_id, for_update=True)
        conn.execute(
            update(t.postings)
            .where(t.postings.c.id == posting_id)
            .values(status=status, updated_at=_now())
        )
    return get_posting(database, actor, posting_id)
