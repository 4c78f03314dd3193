"""`/pilot status`: where the channel's pilot stands, from its stored snapshot.

The asker's answer comes from the pilot's status snapshot when it is current (one indexed
read; see storage/status.py for why it can be trusted), else it is built from the record,
stored for the next asker and returned. The public answer (``visibility=public``) is
built from the record every time: it is posted through the outbox, not read in a hurry.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from time import monotonic

from bot.blocks import Reply
from bot.blocks.common import Prepared, as_of, status_body
from bot.blocks.flags import status_flag_parts, undelivered_part
from bot.blocks.review import status_parts
from bot.clock import Clock
from bot.core.calendar import snapshot
from bot.core.checkins import is_checkin_day
from bot.core.criteria import progress_of_all
from bot.core.localtime import local_date, local_instant
from bot.core.phases import PilotStatus
from bot.core.traffic import traffic
from bot.features.access import Where, pilot_at
from storage.db import Connection, Engine, Session, read_only
from storage.outbox import owe, undelivered_summary
from storage.pilots import plan_of
from storage.scope import Workspace
from storage.status import (
    pilot_row,
    revision_of,
    stale_snapshots,
    status_view,
    store_snapshot,
)
from storage.status_record import status_record

# The stored answer's shape and wording: bump it with any change to what the status shows
# or to how writes mark it stale, so that an answer an earlier release stored is built anew
# (a rolling deploy's other instances otherwise keep serving it until midnight).
ANSWER_FORMAT = 1
CATCH_UP_BATCH = 50  # snapshots a connection rebuilds before the next batch is read

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Built:
    """A status answer built from the record at ``now``, and until when it stays right."""

    reply: Reply  # without its "As of" line
    tz: str
    valid_until: datetime

    def as_of(self, now: datetime) -> Reply:
        """The answer as shown at ``now``."""
        return Reply(self.reply.text, [*self.reply.blocks, as_of(now, self.tz)])


def build_status(*, connection: Connection, pilot_id: int, now: datetime, public: bool) -> Built:
    """The status answer from the record as it stands. ``public``: without what Slack
    refused (only the asker sees that: it is for the team to fix)."""
    row = pilot_row(connection=connection, pilot_id=pilot_id)
    plan = plan_of(row)
    today = local_date(now, plan.zone)
    record = status_record(connection=connection, pilot_id=pilot_id, as_of=now, today=today)
    snap = snapshot(plan, now)
    started = snap.status is not PilotStatus.NOT_STARTED
    extra = status_parts(
        progress_of_all(record.criteria, record.readings, now),
        traffic(plan, now, record.confirmations, record.hold) if started else None,
        plan,
    )
    extra += status_flag_parts(
        record.open_flags, record.checked_in if is_checkin_day(plan, today) else None
    )
    if not public and row.refused_count:
        refused = undelivered_summary(connection=connection, pilot_id=pilot_id)
        extra += undelivered_part([(u.channel_id, u.dm_users, u.error, u.count) for u in refused])
    # The day decides phase, planned traffic, days left and today's check-ins.
    valid_until = local_instant(today + timedelta(days=1), time(0), plan.zone)
    if record.next_change is not None:
        valid_until = min(valid_until, record.next_change)
    reply = status_body(plan, snap, state=row.state, extra=extra)
    return Built(reply, plan.tz, valid_until)


def asker_status(*, engine: Engine, workspace: Workspace, channel_id: str, now: datetime) -> (
    Reply | None
):
    """The ephemeral `/pilot status` answer for the channel (None: no pilot here)."""
    view = status_view(engine=engine, workspace=workspace, channel_id=channel_id)
    if view is None:
        return None
    if view.current_at(now):
        stored = json.loads(view.body)
        if stored.pop("format", None) == ANSWER_FORMAT:
            stored["blocks"].append(as_of(now, stored.pop("tz")))
            return Prepared(stored["text"], body=stored)
    with read_only(engine) as connection:
        built = _rebuild(connection, view.pilot_id, view.revision, now)
    return built.as_of(now)


def post_status(*, session: Session, where: Where, now: datetime, key: str) -> None:
    """`/pilot status public`: owe the channel the status as of ``now`` (its answer is the
    post itself). Built from the record every time: it is not read in a hurry."""
    pilot = pilot_at(session=session, where=where)
    assert pilot.id is not None
    built = build_status(connection=session.connection(), pilot_id=pilot.id, now=now, public=True)
    owe(session=session, pilot=pilot, key=key, kind="status_public",
        message=built.as_of(now).message(), now=now)


def refresh_stale(*, engine: Engine, now: datetime, limit: int = 200) -> int:
    """Rebuild up to ``limit`` snapshots that writes or the clock left stale (the
    scheduler's job: an asker then rarely waits for a build). Returns how many it built."""
    with read_only(engine) as connection:
        stale = stale_snapshots(connection=connection, now=now, limit=limit)
        for pilot_id, revision in stale:
            try:
                _rebuild(connection, pilot_id, revision, now)
            except Exception:
                # One pilot whose record will not render must not hold up the others; its
                # asker gets the one error path's apology, and the log says which.
                log.exception("status snapshot of pilot %s could not be built", pilot_id)
                connection.rollback()
    return len(stale)


def catch_up(*, engine: Engine, clock: Clock, budget: float | None = None) -> int:
    """Rebuild stale snapshots in batches until none is left, or ``budget`` seconds have
    gone (the scheduler's job runs it every few seconds). Returns how many it built."""
    started, built = monotonic(), 0
    while budget is None or monotonic() - started < budget:
        done = refresh_stale(engine=engine, now=clock.now(), limit=CATCH_UP_BATCH)
        built += done
        if done < CATCH_UP_BATCH:
            break
    return built


def _rebuild(connection: Connection, pilot_id: int, revision: int | None, now: datetime) -> Built:
    if revision is None:
        revision = revision_of(connection=connection, pilot_id=pilot_id)
    # Read the revision before the record (above, or in the caller's view): a write that
    # commits in between bumps it, and the store below then changes nothing.
    built = build_status(connection=connection, pilot_id=pilot_id, now=now, public=False)
    if revision is None:
        return built
    body = {**built.reply.message(), "tz": built.tz, "format": ANSWER_FORMAT}
    store_snapshot(
        connection=connection,
        pilot_id=pilot_id,
        revision=revision,
        built_at=now,
        valid_until=built.valid_until,
        body=json.dumps(body, separators=(",", ":")),
    )
    return built
