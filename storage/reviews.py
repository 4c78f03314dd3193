"""`/pilot status`'s record in one read (``status_record``), and the ramp hold a phase
No-go leaves, read from it.

The rest of the reviews' record has its own modules: success criteria and their values
(storage/readings.py), priorities and lessons learned (storage/review_notes.py), ramp
confirmations, checklists and go / no-go decisions (storage/decisions.py), the issue log
(storage/flags.py) and check-in participation (storage/checkins.py).

Keyword-only queries that take the session; the caller's unit of work commits.
Readers take ``as_of``: a scheduled review shows the record as of its due time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Connection, Date, bindparam, literal, union_all
from sqlalchemy import select as sa_select
from sqlmodel import Session

from bot.core.changes import ChangeStatus
from bot.core.escalation import Severity
from bot.core.flags import FlagState, flag_ref
from bot.core.phases import Phase
from bot.core.reviews import Confirmation, Criterion, Decision, Hold, Reading
from storage.models import (
    ChangeRequest,
    CheckinReply,
    Flag,
    MetricValue,
    PilotDecision,
    RampConfirmation,
    SuccessCriterion,
)


def ramp_hold(*, session: Session, pilot_id: int, as_of: datetime) -> Hold | None:
    """The hold a phase No-go put on the ramp, unless a change was approved since."""
    return status_record(connection=session.connection(), pilot_id=pilot_id, as_of=as_of).hold


# ----- /pilot status: the record in one read ---------------------------------------------------

_c = SuccessCriterion.__table__.c  # type: ignore[attr-defined]
_m = MetricValue.__table__.c  # type: ignore[attr-defined]
_r = RampConfirmation.__table__.c  # type: ignore[attr-defined]
_d = PilotDecision.__table__.c  # type: ignore[attr-defined]
_ch = ChangeRequest.__table__.c  # type: ignore[attr-defined]
_f = Flag.__table__.c  # type: ignore[attr-defined]
_cr = CheckinReply.__table__.c  # type: ignore[attr-defined]
_earlier = MetricValue.__table__.alias("earlier").c  # type: ignore[attr-defined]
_latest_value = (
    sa_select(_earlier.id)
    .where(_earlier.criterion_id == _c.id)
    .order_by(_earlier.recorded_at.desc(), _earlier.id.desc())
    .limit(1)
    .scalar_subquery()
)
# Built once, one round trip: `/pilot status` is the bot's hottest path. Each row is
# (kind, n, a, b, c, at, who, ref, value, src): a criterion and its latest value (with where
# it came from), a ramp confirmation, a phase No-go that held the ramp, an approved change
# (which lifts the hold), an open issue flag (indexed by pilot and state), or one of today's
# check-in replies.
_STATUS_RECORD = union_all(
    sa_select(
        literal("criterion").label("kind"),
        _c.number.label("n"),
        _c.name.label("a"),
        _c.target.label("b"),
        _m.typed.label("c"),
        _m.recorded_at.label("at"),
        _m.recorded_by.label("who"),
        _c.id.label("ref"),
        _m.value.label("value"),
        _m.source.label("src"),
    )
    .select_from(
        SuccessCriterion.__table__.outerjoin(  # type: ignore[attr-defined]
            MetricValue.__table__, _m.id == _latest_value  # type: ignore[attr-defined]
        )
    )
    .where(_c.pilot_id == bindparam("pilot_id"), _c.removed_at.is_(None)),
    sa_select(
        literal("confirmation"),
        _r.week,
        literal(""),
        literal(""),
        literal(""),
        _r.confirmed_at,
        _r.confirmed_by,
        _r.pct,
        literal(""),
        literal(""),
    ).where(_r.pilot_id == bindparam("pilot_id")),
    sa_select(
        literal("no_go"),
        _d.held_pct,
        _d.subject,
        literal(""),
        literal(""),
        _d.decided_at,
        _d.decided_by,
        literal(0),
        literal(""),
        literal(""),
    ).where(
        _d.pilot_id == bindparam("pilot_id"),
        _d.outcome == Decision.NO_GO.value,
        _d.held_pct.is_not(None),
    ),
    sa_select(
        literal("approved"),
        literal(0),
        literal(""),
        literal(""),
        literal(""),
        _ch.decided_at,
        _ch.decided_by,
        literal(0),
        literal(""),
        literal(""),
    ).where(_ch.pilot_id == bindparam("pilot_id"), _ch.status == ChangeStatus.APPROVED.value),
    sa_select(
        literal("flag"),
        _f.number,
        _f.severity,
        _f.acknowledged_by,
        literal(""),
        _f.raised_at,
        _f.raised_by,
        _f.id,
        literal(""),
        literal(""),
    ).where(_f.pilot_id == bindparam("pilot_id"), _f.state == FlagState.OPEN.value),
    sa_select(
        literal("checkin"),
        literal(0),
        _cr.user_id,
        literal(""),
        literal(""),
        _cr.created_at,
        _cr.user_id,
        literal(0),
        literal(""),
        literal(""),
    ).where(_cr.pilot_id == bindparam("pilot_id"), _cr.day == bindparam("today", type_=Date)),
)


@dataclass(frozen=True)
class StatusRecord:
    criteria: tuple[Criterion, ...]
    readings: tuple[Reading, ...]  # the latest of each criterion
    confirmations: tuple[Confirmation, ...]
    hold: Hold | None
    open_flags: tuple[tuple[str, Severity, str], ...] = ()  # (F-3, severity, acknowledged by)
    checked_in: tuple[str, ...] = ()  # who replied in ``today``'s check-in thread, in order


def status_record(
    *, connection: Connection, pilot_id: int, as_of: datetime, today: date | None = None
) -> StatusRecord:
    """The success criteria with their latest values, the ramp confirmations and the hold,
    the open flags and who checked in ``today`` (the pilot's local date), for
    `/pilot status`, in one read."""
    criteria, readings, confirmations = [], [], []
    no_gos, approvals = [], []
    flags: list[tuple[int, str, Severity, str]] = []
    checkins: list[tuple[datetime, str]] = []
    parameters = {"pilot_id": pilot_id, "today": today or date.min}
    for row in connection.execute(_STATUS_RECORD, parameters):
        if row.kind == "criterion":
            criteria.append(Criterion(id=row.ref, number=row.n, name=row.a, target_text=row.b))
            if row.at is not None and row.at <= as_of:
                readings.append(
                    Reading(row.ref, Decimal(row.value), row.c, row.at, row.who, row.src or "")
                )
        elif row.at is None or row.at > as_of:
            continue
        elif row.kind == "confirmation":
            confirmations.append(Confirmation(row.n, row.ref, row.who, row.at))
        elif row.kind == "no_go":
            no_gos.append(Hold(Phase(row.a), row.n, row.at, row.who))
        elif row.kind == "flag":
            flags.append((row.n, flag_ref(row.n), Severity(row.a), row.b))
        elif row.kind == "checkin":
            checkins.append((row.at, row.who))
        else:
            approvals.append(row.at)
    criteria.sort(key=lambda c: c.number)
    hold = max(no_gos, key=lambda h: h.since, default=None)
    if hold is not None and any(at > hold.since for at in approvals):
        hold = None
    flags.sort()
    return StatusRecord(
        tuple(criteria),
        tuple(readings),
        tuple(confirmations),
        hold,
        open_flags=tuple(flag[1:] for flag in flags),
        checked_in=tuple(dict.fromkeys(who for _, who in sorted(checkins))),
    )


# Moved to their own modules (issue 10): named here too until the listeners import them
# from there.
from storage.decisions import confirm_ramp as confirm_ramp  # noqa: E402
from storage.decisions import confirmation_of as confirmation_of  # noqa: E402
from storage.decisions import record_decision as record_decision  # noqa: E402
from storage.decisions import tick_checklist as tick_checklist  # noqa: E402
from storage.pilots import pilot_in as pilot_in  # noqa: E402
from storage.readings import criteria_as_of as criteria_as_of  # noqa: E402
from storage.readings import record_values as record_values  # noqa: E402
from storage.review_notes import LESSONS as LESSONS  # noqa: E402
from storage.review_notes import PRIORITIES as PRIORITIES  # noqa: E402
from storage.review_notes import add_note as add_note  # noqa: E402
from storage.review_notes import latest_note as latest_note  # noqa: E402
