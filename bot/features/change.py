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
    ChangeStatus,
    Proposal,
    moved_since,
    needs_approval,
    propose_end,
    propose_ramp,
    propose_scope,
)
from bot.core.errors import DomainError, Refusal
from bot.core.inputs import parse_date, parse_weeks, parse_yes_no
from bot.core.localtime import local_date
from bot.core.plan import Plan
from bot.core.refs import CHANGE, ref
from bot.core.roles import Role
from bot.features.access import Where, pilot_at, require_editor
from bot.features.clicked import Clicked
from bot.features.signoff import owe_scope_document
from storage.db import Session
from storage.models import ChangeRequest, Pilot
from storage.outbox import UPDATE, owe
from storage.pilots import plan_of
from storage.record import (
    add_change_request,
    apply_change,
    change_request_in,
    decide_change,
    scope_of,
)
from storage.scope import Workspace
from storage.team import holders, log_change, team_of

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


@dataclass(frozen=True)
class Decision:
    """A click on Approve or Reject: ``answer`` tells the clicker why nothing was decided
    (None: decided, and the channel, the DMs and the clicked DM will say so)."""

    answer: Reply | None = None


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
    pilot = pilot_at(session=session, where=where)
    require_editor(session=session, pilot=pilot, user_id=user_id, action="change the plan")
    assert pilot.id is not None
    if pilot.state == "ended":
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
    view = _view(row, pilot)
    log_change(
        session=session,
        pilot_id=pilot.id,
        user_id=user_id,
        kind="change",
        summary=(
            f"{view.ref} requested: {proposal.summary}."
            f" Impact: {' '.join(proposal.impact) or change_blocks.NO_IMPACT}"
            f" Sent to {', '.join(f'<@{u}>' for u in deciders)} ({_role_name(role)})."
        ),
        reason=reason,
        at=now,
    )
    opened = OpenedRequest(view, tuple(deciders), _role_name(role))
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
    key = _key(view)
    notice = change_blocks.channel_requested(view, deciders, role_name)
    owe(
        session=session,
        pilot=pilot,
        key=f"{key}:requested",
        kind="change_requested",
        message=notice.message(),
        now=now,
    )
    dm = change_blocks.decision_request(view, role_name)
    for decider in deciders:
        owe(
            session=session,
            pilot=pilot,
            key=f"{key}:ask:{decider}",
            kind="change_decision_dm",
            message=dm.message(),
            now=now,
            dm_user=decider,
        )


def _key(view: change_blocks.ChangeView) -> str:
    """The outbox keys of a change request's messages start with this: "change:CH-3"."""
    return f"change:{view.ref}"


# ----- the decision ------------------------------------------------------------------------


def decide(
    *,
    session: Session,
    now: datetime,
    workspace: Workspace,
    change_id: int,
    approved: bool,
    user_id: str,
    clicked: Clicked,
) -> Decision:
    """Approve or Reject CH-n, clicked in the decision maker's DM (``clicked``)."""
    found = change_request_in(session=session, workspace=workspace, change_id=change_id)
    if found is None:
        return Decision(change_blocks.not_found())
    row, pilot = found
    assert pilot.id is not None
    view = _view(row, pilot)
    role, deciders = decision_maker(holders(session=session, pilot_id=pilot.id))
    role_name = _role_name(role)
    if row.status != ChangeStatus.PENDING:
        return Decision(_already(row, pilot))
    if user_id not in deciders:
        return Decision(change_blocks.only_decider(deciders, role_name, view.ref))
    if approved and pilot.state == "ended":
        raise DomainError(f"The pilot has ended; {view.ref} can no longer be approved.")
    proposal = json.loads(row.proposal)
    moved = moved_since(proposal, plan_of(pilot), scope_of(session=session, pilot_id=pilot.id))
    if approved and moved:
        # Its stated impact no longer holds: approving it would approve something else.
        return Decision(change_blocks.outdated(view.ref, moved))
    status = ChangeStatus.APPROVED if approved else ChangeStatus.REJECTED
    if not decide_change(
        session=session, request=row, status=status, user_id=user_id, role=role.value, at=now
    ):
        return Decision(_already(row, pilot))  # another click got there first
    if approved:
        apply_change(
            session=session, pilot=pilot, proposal=proposal, user_id=row.requested_by, at=now
        )
        if row.kind == ChangeKind.SCOPE.value:  # a new scope document, to sign again
            owe_scope_document(
                session=session,
                pilot=pilot,
                why=(
                    f"{view.ref} approved by <@{user_id}> ({role_name}):"
                    f" {user_text(row.reason, 300)}"
                ),
                user_id=user_id,
                now=now,
            )
    log_change(
        session=session,
        pilot_id=pilot.id,
        user_id=user_id,
        kind="change",
        summary=(
            f"{view.ref} {status.value} by <@{user_id}> ({role_name}): {row.summary}."
            f" Impact: {' '.join(view.impact) or change_blocks.NO_IMPACT}"
        ),
        reason=row.reason,
        at=now,
    )
    if approved:
        members = [m.user_id for m in team_of(session=session, pilot_id=pilot.id)]
        recipients = _stakeholders(
            members, requester=row.requested_by, owner=pilot.owner_id, decider=user_id
        )
    else:
        recipients = [row.requested_by] if row.requested_by != user_id else []
    _owe_decided(session, pilot, view, approved, user_id, role_name, recipients, now)
    # The DM the decision maker clicked in shows the decision instead of its buttons.
    if clicked.channel_id and clicked.message_ts:
        decided_at = now.astimezone(plan_of(pilot).zone)
        owe(
            session=session,
            pilot=pilot,
            key=f"{_key(view)}:decided-in:{clicked.message_ts}",
            kind="change_decided_dm",
            message=change_blocks.decided_dm(view, approved, decided_at).message(),
            now=now,
            method=UPDATE,
            channel_id=clicked.channel_id,
            target_ts=clicked.message_ts,
        )
    return Decision()


def _owe_decided(
    session: Session,
    pilot: Pilot,
    view: change_blocks.ChangeView,
    approved: bool,
    decider: str,
    role_name: str,
    recipients: list[str],
    now: datetime,
) -> None:
    """Step 5: the channel is told, then each stakeholder (approved) or the requester
    (rejected) by DM."""
    key = _key(view)
    notice = change_blocks.channel_decided(view, approved, decider, role_name)
    owe(
        session=session,
        pilot=pilot,
        key=f"{key}:decided",
        kind="change_decided",
        message=notice.message(),
        now=now,
    )
    message = (
        change_blocks.stakeholder_dm(view, decider)
        if approved
        else change_blocks.rejected_dm(view, decider)
    )
    for recipient in recipients:
        owe(
            session=session,
            pilot=pilot,
            key=f"{key}:told:{recipient}",
            kind="change_decided_dm",
            message=message.message(),
            now=now,
            dm_user=recipient,
        )


def _view(row: ChangeRequest, pilot: Pilot) -> change_blocks.ChangeView:
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


def _already(row: ChangeRequest, pilot: Pilot) -> Reply:
    at = row.decided_at.astimezone(plan_of(pilot).zone) if row.decided_at else None
    return change_blocks.already_decided(ref(CHANGE, row.number), row.status, row.decided_by, at)


def _role_name(role: Role) -> str:
    return role.display_name.lower()


def _stakeholders(members: Iterable[str], *, requester: str, owner: str, decider: str) -> list[str]:
    """Everyone on the team, the requester and the owner, once each; not the decider,
    whose DM already shows the decision."""
    ordered = dict.fromkeys([*members, requester, owner])
    ordered.pop(decider, None)
    return list(ordered)
