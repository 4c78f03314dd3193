"""The documentation checklists: read (`/pilot docs`), posted in the channel with a button
per item (`/pilot docs post`), and ticked with who and when. The Post-Pilot list shares
its ticks with the final evaluation, whose post follows."""

from __future__ import annotations

from datetime import datetime

from bot.blocks import Reply, ids
from bot.blocks.docs import docs_post, docs_reply
from bot.core.checklists import POST_PILOT
from bot.core.documentation import documentation_checklist, tickable
from bot.core.errors import Refusal
from bot.features.access import Where, pilot_at, require_record_keeper
from bot.features.clicked import Clicked, owe_update
from bot.features.phase_review import owe_review_rewrite
from schedules.docs import documentation_of
from storage.db import Session
from storage.decisions import tick_checklist
from storage.outbox import message_for_key, owe
from storage.pilots import plan_of

POST_KIND = "docs_posted"
UPDATE_KIND = "docs_update"
OUT_OF_DATE = ids.DOCS_OUT_OF_DATE


def docs_of(*, session: Session, now: datetime, where: Where) -> Reply:
    """`/pilot docs`: the lists as they stand, only to the one who asked."""
    pilot = pilot_at(session=session, where=where)
    return docs_reply(documentation_of(session, pilot, now))


def post_docs(*, session: Session, now: datetime, where: Where, key: str) -> None:
    """`/pilot docs post`: the lists owed as a post in the channel (``key``: once per ask)."""
    pilot = pilot_at(session=session, where=where)
    doc = documentation_of(session, pilot, now)
    owe(
        session=session,
        pilot=pilot,
        key=key,
        kind=POST_KIND,
        message=docs_post(doc).message(),
        now=now,
    )


def tick_item(
    *,
    session: Session,
    now: datetime,
    where: Where,
    name: str,
    key: str,
    untick: bool | None,
    user_id: str,
    clicked: Clicked,
) -> None:
    """Tick (or untick; None: toggle) one item; the post it was pressed on follows."""
    try:
        keys = {item.key for item in documentation_checklist(name)}
    except ValueError:
        keys = set()
    if key not in keys or not tickable(name, key):
        raise Refusal(OUT_OF_DATE)
    pilot = pilot_at(session=session, where=where)
    assert pilot.id is not None
    require_record_keeper(
        session=session,
        pilot=pilot,
        user_id=user_id,
        action="tick the documentation checklists",
    )
    done = (
        untick if untick is not None else documentation_of(session, pilot, now).item(name, key).done
    )
    tick_checklist(
        session=session,
        pilot_id=pilot.id,
        checklist=name,
        items=[key],
        checked=set() if done else {key},
        user_id=user_id,
        at=now,
    )
    after = documentation_of(session, pilot, now)
    owe_update(
        session=session,
        pilot=pilot,
        clicked=clicked,
        reply=docs_post(after),
        kind=UPDATE_KIND,
        now=now,
    )
    if name == POST_PILOT and message_for_key(
        session=session, pilot_id=pilot.id, key="final_evaluation"
    ):
        # The final evaluation shows the same list with the same ticks.
        owe_review_rewrite(
            session=session, pilot=pilot, plan=plan_of(pilot), name=POST_PILOT, now=now
        )
