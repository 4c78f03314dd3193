"""People's Home tabs as owed to Slack, and what a Home tab shows.

A Home tab is owed like a message, but one row a person (`HomeTab`): owing it again
before it went out changes nothing but a count, so any number of changes make one
``views.publish`` (delivery builds the view as it stands when it sends it). It is owed
when the person opens the tab, and whenever a unit of work changed a pilot they are on
(`storage.db.touched`: owing its messages or writing its change log does that) and they
have opened the tab before.

Keyword-only functions that take the session; the caller's unit of work commits.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, case, func, literal, null, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from bot.core.changes import ChangeStatus
from bot.core.lifecycle import PilotState
from bot.core.roles import Role
from storage.db import TOUCHED_PILOTS
from storage.models import ChangeRequest, HomeTab, Pilot, TeamMember
from storage.outbox import OWED_CONVERSATIONS, Conversation
from storage.types import UTCDateTime

# The queue a person's Home tab waits in, as a delivery conversation (team, HOME, user):
# no Slack channel has this id, so no message ever shares it.
HOME = "@home"
# "As soon as possible": a fresh change is due whatever the clock says (a retry after a
# 429 keeps its later time).
ASAP = datetime(2000, 1, 1, tzinfo=UTC)
_ASAP = literal(ASAP, UTCDateTime)  # as a bound value inside SQL expressions
_CHUNK = 500  # ids per IN (...), well below every backend's limit
_BULK = {"synchronize_session": False}


def home_conversation(team_id: str, user_id: str) -> Conversation:
    return (team_id, HOME, user_id)


def owe_home(*, session: Session, team_id: str, enterprise_id: str, user_id: str) -> None:
    """Owe ``user_id``'s Home tab (they opened it)."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    table = HomeTab.__table__  # type: ignore[attr-defined]
    statement = insert(HomeTab).values(
        team_id=team_id, user_id=user_id, enterprise_id=enterprise_id, owed=1, published=0,
        next_attempt_at=ASAP, attempts=0, last_error="", claimed_by="",
    )
    statement = statement.on_conflict_do_update(
        index_elements=["team_id", "user_id"],
        set_={
            "owed": table.c.owed + 1,
            "next_attempt_at": func.coalesce(table.c.next_attempt_at, _ASAP),
        },
    )
    session.exec(statement)
    _note(session, [(team_id, user_id)])


def owe_touched_homes(session: Session) -> None:
    """Owe again the Home tabs of the people on the pilots this unit of work changed (those
    who have opened theirs: the others are published when they do)."""
    pilot_ids = sorted(session.info.pop(TOUCHED_PILOTS, set()))
    people: set[tuple[str, str]] = set()
    for start in range(0, len(pilot_ids), _CHUNK):
        chunk = pilot_ids[start : start + _CHUNK]
        on_pilot = or_(
            col(HomeTab.user_id) == col(Pilot.owner_id),
            col(HomeTab.user_id).in_(
                select(TeamMember.user_id).where(col(TeamMember.pilot_id) == col(Pilot.id))
            ),
        )
        rows = session.exec(
            select(HomeTab.team_id, HomeTab.user_id)
            .join(Pilot, col(Pilot.team_id) == col(HomeTab.team_id))
            .where(col(Pilot.id).in_(chunk), on_pilot)
        ).all()
        people |= {(team_id, user_id) for team_id, user_id in rows}
    for team_id, user_id in sorted(people):
        session.exec(
            update(HomeTab)
            .where(col(HomeTab.team_id) == team_id, col(HomeTab.user_id) == user_id)
            .values(
                owed=col(HomeTab.owed) + 1,
                next_attempt_at=func.coalesce(col(HomeTab.next_attempt_at), _ASAP),
            ),
            execution_options=_BULK,
        )
    _note(session, people)


def _note(session: Session, people: Iterable[tuple[str, str]]) -> None:
    """Tell the unit of work's caller which Home tabs to deliver once it commits."""
    owed = session.info.setdefault(OWED_CONVERSATIONS, set())
    owed.update(home_conversation(team_id, user_id) for team_id, user_id in people)


# ----- delivery -------------------------------------------------------------------------------


def _free(now: datetime) -> Any:
    return or_(col(HomeTab.claimed_until).is_(None), col(HomeTab.claimed_until) <= now)


def due_homes(
    *,
    session: Session,
    now: datetime,
    limit: int,
    among: Collection[tuple[str, str]] | None = None,
) -> list[tuple[str, str]]:
    """(team, user) of the Home tabs owed now and not leased, oldest attempt first."""
    query = select(HomeTab.team_id, HomeTab.user_id).where(
        col(HomeTab.next_attempt_at) <= now,
        col(HomeTab.owed) > col(HomeTab.published),
        _free(now),
    )
    if among is not None:
        if not among:
            return []
        query = query.where(or_(*(
            and_(col(HomeTab.team_id) == team_id, col(HomeTab.user_id) == user_id)
            for team_id, user_id in sorted(among)[:limit]
        )))
    rows = session.exec(query.order_by(col(HomeTab.next_attempt_at)).limit(limit)).all()
    return [(team_id, user_id) for team_id, user_id in rows]


def claim_home(
    *, session: Session, team_id: str, user_id: str, worker: str, now: datetime, until: datetime
) -> tuple[int, int] | None:
    """Lease one Home tab: (the count of changes it will show, attempts so far), or None
    if another worker took it meanwhile."""
    found = session.exec(
        update(HomeTab)
        .where(
            col(HomeTab.team_id) == team_id,
            col(HomeTab.user_id) == user_id,
            col(HomeTab.owed) > col(HomeTab.published),
            _free(now),
        )
        .values(claimed_by=worker, claimed_until=until)
        .returning(col(HomeTab.owed), col(HomeTab.attempts)),
        execution_options=_BULK,
    ).first()
    return None if found is None else (int(found[0]), int(found[1]))


def finish_home(
    *,
    session: Session,
    team_id: str,
    user_id: str,
    worker: str,
    shown: int,
    now: datetime,
    retry_at: datetime | None = None,
    error: str = "",
) -> None:
    """Record a publish: done up to ``shown`` changes (one made since is due again at
    once), or tried again at ``retry_at``. A refusal for good counts as done, its error
    kept: the next change tries again."""
    values: dict[str, object] = {"claimed_by": "", "claimed_until": None, "last_error": error[:200]}
    if retry_at is not None:
        values |= {"next_attempt_at": retry_at, "attempts": col(HomeTab.attempts) + 1}
    else:
        values |= {
            "published": shown,
            "attempts": 0,
            "published_at": now,
            "next_attempt_at": case((col(HomeTab.owed) > shown, _ASAP), else_=null()),
        }
    session.exec(
        update(HomeTab)
        .where(
            col(HomeTab.team_id) == team_id,
            col(HomeTab.user_id) == user_id,
            col(HomeTab.claimed_by) == worker,
        )
        .values(**values),
        execution_options=_BULK,
    )


# ----- what a Home tab shows ---------------------------------------------------------------------


def pilots_of_person(
    *, session: Session, team_id: str, user_id: str
) -> list[tuple[Pilot, tuple[Role, ...]]]:
    """The live pilots (not ended) ``user_id`` owns or holds a role on, with their roles."""
    owned = session.exec(
        select(Pilot).where(Pilot.team_id == team_id, Pilot.owner_id == user_id)
    ).all()
    member = session.exec(
        select(Pilot, TeamMember.role)
        .join(TeamMember, col(TeamMember.pilot_id) == col(Pilot.id))
        .where(Pilot.team_id == team_id, TeamMember.user_id == user_id)
    ).all()
    roles: dict[int, list[Role]] = {}
    pilots: dict[int, Pilot] = {}
    for pilot in owned:
        assert pilot.id is not None
        pilots[pilot.id] = pilot
        roles.setdefault(pilot.id, [])
    for pilot, role in member:
        assert pilot.id is not None
        pilots[pilot.id] = pilot
        roles.setdefault(pilot.id, []).append(Role(role))
    live = [p for p in pilots.values() if p.state != PilotState.ENDED]
    live.sort(key=lambda p: (p.start_date, p.id or 0))
    return [(p, tuple(roles[p.id or 0])) for p in live]


def pending_changes(*, session: Session, pilot_ids: Sequence[int]) -> Sequence[ChangeRequest]:
    if not pilot_ids:
        return []
    return session.exec(
        select(ChangeRequest)
        .where(
            col(ChangeRequest.pilot_id).in_(pilot_ids),
            ChangeRequest.status == ChangeStatus.PENDING.value,
        )
        .order_by(col(ChangeRequest.requested_at), col(ChangeRequest.id))
    ).all()
