"""Scope sign-off (framework, Documentation Requirements: "Pilot scope document (signed)").

When the scope is set, and again whenever a change through the change process alters
it, the scope document is owed as a post in the channel, a new version with Sign off for
the decision maker. The sign-off is recorded with who and when (in the change log too);
the next version leaves it behind, and its post says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.blocks import Reply
from bot.blocks.docs import scope_document_message
from bot.core.errors import Refusal
from bot.features.access import Where, pilot_at, require_decider
from schedules.docs import scope_state
from schedules.reviews import deciders_of
from storage.db import Session
from storage.models import Pilot, ScopeDocument
from storage.outbox import UPDATE, owe
from storage.pilots import plan_of
from storage.record import scope_of
from storage.signoff import (
    add_scope_document,
    content_of,
    latest_scope_document,
    scope_document,
    sign_scope_document,
)
from storage.team import log_change

POST_KIND = "scope_document"
UPDATE_KIND = "scope_document_update"


def post_key(version: int) -> str:
    """The outbox key of a scope document version's post: "scope_document:v2"."""
    return f"{POST_KIND}:v{version}"


@dataclass(frozen=True)
class SignOff:
    """A click on Sign off: ``answer`` tells the clicker why nothing was signed (None: it
    was, and the post will say so)."""

    answer: str | None = None


def owe_scope_document(
    *, session: Session, pilot: Pilot, why: str, user_id: str, now: datetime
) -> ScopeDocument:
    """The scope as it now reads, recorded as its next version and owed as a post with
    Sign off; the previous version's post is rewritten to say it was replaced. Called in
    the unit of work that changed the scope."""
    assert pilot.id is not None
    previous = latest_scope_document(session=session, pilot_id=pilot.id)
    document = add_scope_document(
        session=session,
        pilot_id=pilot.id,
        scope=scope_of(session=session, pilot_id=pilot.id),
        why=why,
        user_id=user_id,
        at=now,
    )
    owe(
        session=session,
        pilot=pilot,
        key=post_key(document.version),
        kind=POST_KIND,
        message=_rendered(session, pilot, document).message(),
        now=now,
    )
    if previous is not None:
        _owe_rewrite(session, pilot, previous, now, why="replaced")
    return document


def sign_off(
    *, session: Session, now: datetime, where: Where, version: int, user_id: str
) -> SignOff:
    """The decision maker signs the version the post shows, if it is the latest."""
    pilot = pilot_at(session=session, where=where)
    assert pilot.id is not None
    document = scope_document(session=session, pilot_id=pilot.id, version=version)
    latest = latest_scope_document(session=session, pilot_id=pilot.id)
    if document is None or latest is None:
        raise Refusal("This scope document is out of date; use the latest post.")
    if latest.version != document.version:
        return SignOff(
            f"Version {document.version} was replaced by version {latest.version} (the"
            " scope changed): sign off the latest scope document post."
        )
    if document.signed_by:
        return SignOff(f"Already signed off by <@{document.signed_by}>.")
    deciders = deciders_of(session, pilot.id)
    require_decider(deciders, user_id, "the scope sign-off")
    if not sign_scope_document(
        session=session, document=document, user_id=user_id, role=deciders.role.value, at=now
    ):
        return SignOff("Someone signed it off a moment ago; see the post.")
    log_change(
        session=session,
        pilot_id=pilot.id,
        user_id=user_id,
        kind="decision",
        summary=(
            f"Scope document version {document.version} signed off by <@{user_id}>"
            f" ({deciders.role_name})"
        ),
        at=now,
    )
    _owe_rewrite(session, pilot, document, now, why="signed")
    return SignOff()


def _rendered(session: Session, pilot: Pilot, document: ScopeDocument) -> Reply:
    assert pilot.id is not None
    return scope_document_message(
        plan=plan_of(pilot),
        pilot_id=pilot.id,
        version=document.version,
        scope=content_of(document),
        why=document.why,
        deciders=deciders_of(session, pilot.id),
        state=scope_state(session, pilot),
    )


def _owe_rewrite(
    session: Session, pilot: Pilot, document: ScopeDocument, now: datetime, *, why: str
) -> None:
    key = post_key(document.version)
    owe(
        session=session,
        pilot=pilot,
        key=f"{key}:{why}",
        kind=UPDATE_KIND,
        message=_rendered(session, pilot, document).message(),
        now=now,
        method=UPDATE,
        after_key=key,
    )
