"""Scope sign-off (framework, Documentation Requirements: "Pilot scope document (signed)").

When the scope is set (`/pilot scope set`), and again whenever a change through the
change process alters it, the scope document is posted in the channel as a new version
with **Sign off** for the decision maker (the executive sponsor, else the project lead).
The sign-off is recorded with who and when (in the change log too), shown by
`/pilot scope` and `/pilot docs`, and the next version leaves it behind: its post says so.
"""

from __future__ import annotations

from datetime import datetime

from slack_bolt import App, Respond
from slack_sdk import WebClient
from sqlmodel import Session

from bot.blocks import Reply, ids
from bot.blocks.docs import scope_document_message
from bot.core.inputs import parse_id
from handlers.editing import Refusal
from handlers.reviewing import Click, load_pilot, on_button, require_decider, tell
from schedules.docs import scope_state
from schedules.reviews import deciders_of
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


def owe_scope_document(
    session: Session, pilot: Pilot, *, why: str, user_id: str, now: datetime
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


@on_button
def sign_off(click: Click, client: WebClient, respond: Respond) -> None:
    """Sign off: the decision maker signs the version the post shows, if it is the latest."""
    pilot_id, version_text = click.parts(2)
    version = parse_id(version_text.removeprefix("v"))
    now = click.services.clock.now()
    with click.services.work() as session:
        pilot = load_pilot(session, click, parse_id(pilot_id))
        assert pilot.id is not None
        document = scope_document(session=session, pilot_id=pilot.id, version=version)
        latest = latest_scope_document(session=session, pilot_id=pilot.id)
        if document is None or latest is None:
            raise Refusal("This scope document is out of date; use the latest post.")
        if latest.version != document.version:
            tell(
                respond,
                f"Version {document.version} was replaced by version {latest.version} (the"
                " scope changed): sign off the latest scope document post.",
            )
            return
        if document.signed_by:
            tell(respond, f"Already signed off by <@{document.signed_by}>.")
            return
        deciders = deciders_of(session, pilot.id)
        require_decider(deciders, click.user_id, "the scope sign-off")
        if not sign_scope_document(
            session=session,
            document=document,
            user_id=click.user_id,
            role=deciders.role.value,
            at=now,
        ):
            tell(respond, "Someone signed it off a moment ago; see the post.")
            return
        log_change(
            session=session,
            pilot_id=pilot.id,
            user_id=click.user_id,
            kind="decision",
            summary=(
                f"Scope document version {document.version} signed off by <@{click.user_id}>"
                f" ({deciders.role_name})"
            ),
            at=now,
        )
        _owe_rewrite(session, pilot, document, now, why="signed")


def register(app: App) -> None:
    app.action(ids.SCOPE_SIGN_OFF)(sign_off)
