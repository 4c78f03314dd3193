"""The framework's Change Process: `/pilot change ramp|end|scope ...` and the decisions.

Before the start date an editor's change applies at once. From the start date on:
(1) the request is recorded as CH-n, (2) its impact is stated, (3) the decision
maker gets Approve / Reject by DM and the channel is told, (4) on approval the
plan changes, the channel is told and every stakeholder gets a DM; on rejection
the requester and the channel are told. The change log keeps all of it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from bot.blocks import Reply
from bot.blocks import change as change_blocks
from bot.blocks.text import user_text
from bot.core.authority import decision_maker
from bot.core.boundaries import boundary_values
from bot.core.changes import (
    ChangeKind,
    Proposal,
    needs_approval,
    propose_end,
    propose_ramp,
    propose_scope,
)
from bot.core.errors import DomainError, Refusal
from bot.core.inputs import parse_date, parse_weeks, parse_yes_no
from bot.core.lifecycle import PilotState
from bot.core.localtime import local_date
from bot.core.plan import Plan
from bot.core.roles import Role
from bot.features.access import Where, editable_pilot
from bot.features.signoff import owe_scope_document
from storage.db import Session
from storage.models import ChangeRequest, Pilot
from storage.outbox import owe
from storage.pilots import plan_of
from storage.record import (
    add_change_request,
    apply_change,
    scope_of,
)
from storage.team import holders, log_change

MAX_REASON_LENGTH = 1000


@dataclass(frozen=True)
class ChangeAsked:
    """What `/pilot change ...` asks for, as typed: ``args`` and ``options`` of the line."""

    kind: ChangeKind
    reason: str
    args: Mapping[str, str]
    options: Mapping[str, str]


@dataclass(frozen=True)
class OpenedRequest:
    """A change request recorded and logged, waiting for the decision maker."""

    view: change_blocks.ChangeView
    deciders: tuple[str, ...]
    role_name: str


@dataclass(frozen=True)
class Applied:
    """A change before the start date: applied at once, no approval needed."""

    summary: str
    impact: tuple[str, ...]
    start: date


@dataclass(frozen=True)
class NoDecider:
    """From the start date on, a change needs a decision maker, and nobody holds the role."""


def reason_of(text: str) -> str:
    """A change's reason, as the change log keeps it."""
    reason = " ".join(text.split())
    if not reason:
        raise DomainError('Say why: add reason="..." (the change log keeps it).')
    if len(reason) > MAX_REASON_LENGTH:
        raise DomainError(f"Keep the reason under {MAX_REASON_LENGTH} characters.")
    return reason


def request_change(
    *, session: Session, now: datetime, where: Where, user_id: str, asked: ChangeAsked
) -> Applied | OpenedRequest | NoDecider:
    """`/pilot change ramp|end|scope`: applied at once before the start, else recorded as
    CH-n for the decision maker, the channel and the decision maker's DM owed."""
    pilot = editable_pilot(session=session, where=where, user_id=user_id, action="change the plan")
    assert pilot.id is not None
    if pilot.state == PilotState.ENDED:
        raise Refusal("This pilot has ended; its plan no longer changes.")
    plan = plan_of(pilot)
    today = local_date(now, plan.zone)
    proposal = _propose(session, asked, pilot, plan, today)
    if needs_approval(plan, today):
        opened = open_change_request(
            session=session,
            pilot=pilot,
            proposal=proposal,
            reason=asked.reason,
            user_id=user_id,
            now=now,
        )
        return NoDecider() if opened is None else opened
    apply_change(session=session, pilot=pilot, proposal=proposal.values, user_id=user_id, at=now)
    log_change(
        session=session,
        pilot_id=pilot.id,
        user_id=user_id,
        kind="change",
        summary=(
            f"Before the start (no approval needed): {proposal.summary}."
            f" Impact: {' '.join(proposal.impact) or change_blocks.NO_IMPACT}"
        ),
        reason=asked.reason,
        at=now,
    )
    if asked.kind is ChangeKind.SCOPE:
        owe_scope_document(
            session=session,
            pilot=pilot,
            why=f"Changed before the start by <@{user_id}>: {user_text(asked.reason, 300)}",
            user_id=user_id,
            now=now,
        )
    return Applied(proposal.summary, tuple(proposal.impact), plan.start)


def open_change_request(
    *,
    session: Session,
    pilot: Pilot,
    proposal: Proposal,
    reason: str,
    user_id: str,
    now: datetime,
) -> OpenedRequest | None:
    """Steps 1-3 of the change process: record ``proposal`` as the pilot's next CH-n with
    its impact, in the change log too, and owe the channel its notice and the decision
    maker a DM with Approve / Reject. None when nobody holds the deciding role. Reviews
    use it too (Hold on a ramp step, a phase No-go's extension)."""
    assert pilot.id is not None
    role, deciders = decision_maker(holders(session=session, pilot_id=pilot.id))
    if not deciders:
        return None
    row = add_change_request(
        session=session,
        request=ChangeRequest(
            pilot_id=pilot.id,
            number=0,  # the pilot's next, set by add_change_request
            kind=proposal.kind.value,
            proposal=json.dumps(dict(proposal.values)),
            summary=proposal.summary,
            reason=reason,
            impact="\n".join(proposal.impact),
            requested_by=user_id,
            requested_at=now,
        ),
    )
    view = view_of(row, pilot)
    log_change(
        session=session,
        pilot_id=pilot.id,
        user_id=user_id,
        kind="change",
        summary=(
            f"{view.ref} requested: {proposal.summary}."
            f" Impact: {' '.join(proposal.impact) or change_blocks.NO_IMPACT}"
            f" Sent to {', '.join(f'<@{u}>' for u in deciders)} ({role_name_of(role)})."
        ),
        reason=reason,
        at=now,
    )
    opened = OpenedRequest(view, tuple(deciders), role_name_of(role))
    _owe_decision_request(session, pilot, opened, now)
    return opened


def _propose(
    session: Session, asked: ChangeAsked, pilot: Pilot, plan: Plan, today: date
) -> Proposal:
    override = parse_yes_no(asked.options.get("override", "no"))
    if asked.kind is ChangeKind.RAMP:
        return propose_ramp(plan, asked.args["ramp"], today=today, override=override)
    if asked.kind is ChangeKind.END:
        end, weeks = asked.args.get("date"), asked.options.get("weeks")
        return propose_end(
            plan,
            end=None if end is None else parse_date(end),
            weeks=None if weeks is None else parse_weeks(weeks),
            today=today,
            override=override,
        )
    assert pilot.id is not None
    current = scope_of(session=session, pilot_id=pilot.id)
    return propose_scope(current, boundary_values(asked.options))


def _owe_decision_request(
    session: Session, pilot: Pilot, opened: OpenedRequest, now: datetime
) -> None:
    """Step 3: the channel first (by the time the decision maker can click, the request
    is public), then each decision maker's DM with Approve / Reject."""
    view, deciders, role_name = opened.view, opened.deciders, opened.role_name
    owe_told(
        session=session,
        pilot=pilot,
        now=now,
        view=view,
        notice=(
            "requested",
            "change_requested",
            change_blocks.channel_requested(view, deciders, role_name),
        ),
        dm=("ask", "change_decision_dm", change_blocks.decision_request(view, role_name)),
        users=deciders,
    )


def owe_told(
    *,
    session: Session,
    pilot: Pilot,
    now: datetime,
    view: change_blocks.ChangeView,
    notice: tuple[str, str, Reply],
    dm: tuple[str, str, Reply],
    users: Iterable[str],
) -> None:
    """A step of CH-n told: the channel's notice, then one DM per user. ``notice`` and
    ``dm`` are (step, outbox kind, message); the step names the outbox key, once each."""
    key = key_of(view)
    step, kind, message = notice
    owe(
        session=session,
        pilot=pilot,
        key=f"{key}:{step}",
        kind=kind,
        message=message.message(),
        now=now,
    )
    step, kind, message = dm
    for user in users:
        owe(
            session=session,
            pilot=pilot,
            key=f"{key}:{step}:{user}",
            kind=kind,
            message=message.message(),
            now=now,
            dm_user=user,
        )


def key_of(view: change_blocks.ChangeView) -> str:
    """The outbox keys of a change request's messages start with this: "change:CH-3"."""
    return f"change:{view.ref}"


def view_of(row: ChangeRequest, pilot: Pilot) -> change_blocks.ChangeView:
    assert row.id is not None
    return change_blocks.ChangeView(
        change_id=row.id,
        number=row.number,
        pilot_name=pilot.name,
        channel_id=pilot.channel_id,
        summary=row.summary,
        reason=row.reason,
        impact=[line for line in row.impact.split("\n") if line],
        requested_by=row.requested_by,
    )


def role_name_of(role: Role) -> str:
    return role.display_name.lower()
