"""The issue log: flags F-1, F-2, ... per pilot, from raised to resolved.

Keyword-only functions that take the session; the caller's unit of work commits.
The rules (who may, what may happen twice) are `bot.core.flags`; these functions
apply them and keep the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, or_, select

from bot.core.checklists import OpenFlags
from bot.core.escalation import Severity
from bot.core.flags import (
    FlagInput,
    FlagRecord,
    FlagSource,
    FlagState,
    acknowledge,
    flag_ref,
    issue_period,
    parse_flag_ref,
    resolve,
)
from bot.core.reviews import IssueWeek
from bot.core.risks import RiskCategory
from storage.canvas import owe_canvas_update
from storage.escalation import start_escalation
from storage.models import Flag, Pilot
from storage.outbox import owe
from storage.outbox_key import OutboxKey


def next_flag_number(*, session: Session, pilot_id: int) -> int:
    """Hand out the pilot's next flag number. The counter row stays locked until the
    caller's transaction ends, so two flags raised at once get different numbers."""
    number = session.exec(
        update(Pilot)
        .where(col(Pilot.id) == pilot_id)
        .values(flag_count=col(Pilot.flag_count) + 1)
        .returning(col(Pilot.flag_count))
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return int(number)


@dataclass(frozen=True)
class Raised:
    flag: Flag
    new: bool  # False: the message was a flag already (its reply, then its reaction)


def raise_flag(
    *,
    session: Session,
    pilot: Pilot,
    what: FlagInput,
    raised_by: str,
    at: datetime,
    source: FlagSource,
    channel_id: str,
    thread_ts: str | None = None,
    message_ts: str | None = None,
) -> Raised:
    """Log a new flag, numbered. ``thread_ts`` is the check-in thread it belongs to
    (None: it will be announced in the channel, see ``set_announcement``);
    ``message_ts`` the check-in reply it came from, which becomes one flag at most."""
    assert pilot.id is not None
    if message_ts is not None:
        # Its reply and its reaction may arrive together: whoever takes the pilot's row
        # first raises the flag, the other finds it (PostgreSQL reads committed rows
        # after the lock is granted; SQLite has one writer at a time).
        session.exec(select(Pilot.id).where(col(Pilot.id) == pilot.id).with_for_update())
        found = flag_for_message(
            session=session, team_id=pilot.team_id, channel_id=channel_id, message_ts=message_ts
        )
        if found is not None:
            return Raised(found, new=False)
    row = Flag(
        pilot_id=pilot.id,
        team_id=pilot.team_id,
        enterprise_id=pilot.enterprise_id,
        number=next_flag_number(session=session, pilot_id=pilot.id),
        severity=what.severity.value,
        category=what.category.value,
        description=what.description,
        raised_by=raised_by,
        raised_at=at,
        source=source.value,
        channel_id=channel_id,
        thread_ts=thread_ts,
        message_ts=message_ts,
    )
    session.add(row)
    session.flush()
    # The escalation timer starts with the flag, under the policy of this moment.
    start_escalation(session=session, flag=row, pilot=pilot)
    owe_canvas_update(session=session, pilot_id=pilot.id, now=at)  # it lists open flags
    return Raised(row, new=True)


def set_announcement(*, session: Session, flag: Flag, ts: str, thread_ts: str) -> None:
    """Where the flag was announced: its message, and the thread it lives in (the
    check-in thread, or the announcement itself when posted in the channel)."""
    flag.announcement_ts, flag.thread_ts = ts, thread_ts
    session.add(flag)
    session.flush()


# The outbox kind of a flag's announcement, and its key: "flag:F-3".
ANNOUNCEMENT_KIND = "flag_announcement"
FLAG_UPDATE_KIND = "flag_update"  # the announcement rewritten as the flag moves on
FLAG_LINE_KIND = "flag_line"  # a line in the flag's thread (acknowledged, resolved, ...)
_ANNOUNCEMENT = "flag"


def announcement_key(number: int) -> str:
    return str(OutboxKey.of(_ANNOUNCEMENT, flag_ref(number)))


def owe_flag_line(
    *, session: Session, pilot: Pilot, flag: Flag, step: str, message: dict[str, Any], now: datetime
) -> bool:
    """Owe one line in the flag's thread (``step``: acknowledged, resolved, snoozed:3, ...):
    its thread once known, else the thread its announcement starts when Slack takes it."""
    announced = announcement_key(flag.number)
    return owe(
        session=session,
        pilot=pilot,
        key=str(OutboxKey.parse(announced).then(step)),
        kind=FLAG_LINE_KIND,
        message=message,
        now=now,
        thread_ts=flag.thread_ts,
        after_key="" if flag.thread_ts else announced,
    )


def record_announcement(
    session: Session, pilot_id: int, key: str, ts: str, thread_ts: str | None
) -> None:
    """Delivery's word that Slack took a flag's announcement (``key``) as ``ts``: the flag
    remembers where it was announced, for its updates, thread lines and links."""
    flag = flag_by_number(
        session=session,
        pilot_id=pilot_id,
        number=parse_flag_ref(OutboxKey.parse(key, parts=2).part(1)),
    )
    if flag is not None and ts:
        set_announcement(session=session, flag=flag, ts=ts, thread_ts=thread_ts or ts)


def flag_by_id(*, session: Session, flag_id: int) -> Flag | None:
    return session.get(Flag, flag_id)


def flag_by_number(
    *, session: Session, pilot_id: int, number: int, lock: bool = False
) -> Flag | None:
    """F-<number> of a pilot; ``lock`` holds the row until the transaction ends (so two
    people acknowledging at once cannot both succeed)."""
    query = select(Flag).where(Flag.pilot_id == pilot_id, Flag.number == number)
    if lock:
        query = query.with_for_update()
    return session.exec(query).first()


def flag_for_message(
    *, session: Session, team_id: str, channel_id: str, message_ts: str
) -> Flag | None:
    """The flag a check-in reply was turned into, if any."""
    return session.exec(
        select(Flag).where(
            Flag.team_id == team_id, Flag.channel_id == channel_id, Flag.message_ts == message_ts
        )
    ).first()


def open_flags_of(*, session: Session, pilot_id: int) -> Sequence[Flag]:
    """The pilot's open flags, in number order (indexed by pilot and state)."""
    return session.exec(
        select(Flag)
        .where(Flag.pilot_id == pilot_id, Flag.state == FlagState.OPEN.value)
        .order_by(col(Flag.number))
    ).all()


def flag_numbers(*, session: Session, pilot_id: int) -> list[int]:
    """Every flag number the pilot has, for "there is no F-9 (F-1 to F-4 exist)"."""
    return list(
        session.exec(
            select(Flag.number).where(Flag.pilot_id == pilot_id).order_by(col(Flag.number))
        ).all()
    )


def record_of(flag: Flag) -> FlagRecord:
    """The row as the core and the blocks see it."""
    return FlagRecord(
        number=flag.number,
        severity=Severity(flag.severity),
        category=RiskCategory(flag.category),
        description=flag.description,
        raised_by=flag.raised_by,
        raised_at=flag.raised_at,
        source=FlagSource(flag.source),
        state=FlagState(flag.state),
        acknowledged_by=flag.acknowledged_by,
        acknowledged_at=flag.acknowledged_at,
        resolved_by=flag.resolved_by,
        resolved_at=flag.resolved_at,
        resolution=flag.resolution,
    )


def acknowledge_flag(*, session: Session, flag: Flag, user_id: str, at: datetime) -> Flag:
    """Record who is on it; raises FlagError when it was acknowledged or resolved already.
    Load the flag with ``lock=True`` first."""
    done = acknowledge(record_of(flag), user_id=user_id, at=at)
    flag.acknowledged_by, flag.acknowledged_at = done.acknowledged_by, done.acknowledged_at
    session.add(flag)
    session.flush()
    owe_canvas_update(session=session, pilot_id=flag.pilot_id, now=at)
    return flag


def resolve_flag(
    *, session: Session, flag: Flag, user_id: str, resolution: str, at: datetime
) -> Flag:
    """Close it with its resolution; raises FlagError when resolved already or without
    a resolution. Load the flag with ``lock=True`` first."""
    done = resolve(record_of(flag), user_id=user_id, resolution=resolution, at=at)
    flag.state = done.state.value
    flag.resolved_by, flag.resolved_at, flag.resolution = (
        done.resolved_by,
        done.resolved_at,
        done.resolution,
    )
    session.add(flag)
    session.flush()
    owe_canvas_update(session=session, pilot_id=flag.pilot_id, now=at)
    return flag


# ----- the issue log over a period ------------------------------------------------------------


def flags_touched(
    *, session: Session, pilot_id: int, start: datetime, end: datetime
) -> Sequence[Flag]:
    """Flags raised or resolved in [start, end), or still open at ``end``, in number order:
    what a period of the issue log is computed from (indexed by pilot)."""
    return session.exec(
        select(Flag)
        .where(
            Flag.pilot_id == pilot_id,
            col(Flag.raised_at) < end,
            or_(col(Flag.resolved_at).is_(None), col(Flag.resolved_at) >= start),
        )
        .order_by(col(Flag.number))
    ).all()


def open_counts(*, session: Session, pilot_id: int, as_of: datetime) -> dict[Severity, int]:
    """Flags open at ``as_of`` (raised by then and not resolved by then), by severity."""
    rows = session.exec(
        select(Flag.severity).where(
            Flag.pilot_id == pilot_id,
            col(Flag.raised_at) <= as_of,
            or_(col(Flag.resolved_at).is_(None), col(Flag.resolved_at) > as_of),
        )
    ).all()
    counts = dict.fromkeys(Severity, 0)
    for severity in rows:
        counts[Severity(severity)] += 1
    return counts


def flags_of(*, session: Session, pilot_id: int, as_of: datetime) -> Sequence[Flag]:
    """The issue log: every flag raised up to ``as_of``, by number."""
    return session.exec(
        select(Flag)
        .where(Flag.pilot_id == pilot_id, col(Flag.raised_at) <= as_of)
        .order_by(col(Flag.number))
    ).all()


# ----- the reviews' view of the issue log ----------------------------------------------------


def open_flags(*, session: Session, pilot_id: int, as_of: datetime) -> OpenFlags | None:
    """Open issue flags by severity at ``as_of``."""
    counts = open_counts(session=session, pilot_id=pilot_id, as_of=as_of)
    return OpenFlags(critical=counts[Severity.CRITICAL], major=counts[Severity.MAJOR])


def issue_week(
    *, session: Session, pilot_id: int, start: datetime, end: datetime
) -> IssueWeek | None:
    """The issue log over [start, end): raised, resolved, still open at ``end``."""
    touched = flags_touched(session=session, pilot_id=pilot_id, start=start, end=end)
    return issue_period((record_of(flag) for flag in touched), start, end)
