"""The framework's Change Process: `/pilot change ramp|end|scope ...` and the decision buttons.

Before the start date an editor's change applies at once. From the start date on:
(1) the request is recorded as CH-n, (2) its impact is stated, (3) the decision
maker gets Approve / Reject by DM and the channel is told, (4) on approval the
plan changes, the channel is told and every stakeholder gets a DM; on rejection
the requester and the channel are told. The change log keeps all of it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlmodel import Session

from bot.app import Services
from bot.blocks import Reply, ids
from bot.blocks import change as change_blocks
from bot.blocks.common import section
from bot.blocks.text import escape, user_text
from bot.core import commands as catalog
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
from bot.core.errors import DomainError
from bot.core.inputs import MAX_ID, parse_date, parse_weeks, parse_yes_no
from bot.core.lifecycle import PilotState
from bot.core.localtime import local_date
from bot.core.plan import Plan
from bot.core.refs import CHANGE, ref
from bot.core.roles import Role
from handlers.editing import Refusal, answers_with_usage, channel_pilot, require_editor
from handlers.reply import guarded
from handlers.signoff import owe_scope_document
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
from storage.scope import installation_of
from storage.team import holders, log_change, team_of

if TYPE_CHECKING:
    from handlers.commands import CommandRequest

log = logging.getLogger(__name__)

MAX_REASON_LENGTH = 1000


# ----- /pilot change ... -------------------------------------------------------------------


def change_command(request: CommandRequest) -> Reply | None:
    """`/pilot change` without ramp, end or scope: say what can be changed, and how."""
    what = request.parsed.args.get("what", "")
    problem = f"`{what}` is not something `/pilot change` changes." if what else "Change what?"
    forms = [catalog.CHANGE_RAMP.usage, catalog.CHANGE_END.usage, catalog.CHANGE_SCOPE.usage]
    text = f"{problem} Use one of: " + " · ".join(f"`{escape(form)}`" for form in forms)
    return Reply(text=text, blocks=[section(text)])


@answers_with_usage(catalog.CHANGE_RAMP)
def change_ramp(request: CommandRequest) -> Reply | None:
    return _change(request, ChangeKind.RAMP)


@answers_with_usage(catalog.CHANGE_END)
def change_end(request: CommandRequest) -> Reply | None:
    return _change(request, ChangeKind.END)


@answers_with_usage(catalog.CHANGE_SCOPE)
def change_scope(request: CommandRequest) -> Reply | None:
    return _change(request, ChangeKind.SCOPE)


def _change(request: CommandRequest, kind: ChangeKind) -> Reply | None:
    reason = _reason(request.parsed.options.get("reason", ""))
    now = request.services.clock.now()
    with request.services.work() as session:
        pilot = channel_pilot(session, request)
        require_editor(session, pilot, request.user_id, "change the plan")
        assert pilot.id is not None
        if pilot.state == PilotState.ENDED:
            raise Refusal("This pilot has ended; its plan no longer changes.")
        plan = plan_of(pilot)
        today = local_date(now, plan.zone)
        proposal = _propose(session, request, kind, pilot, plan, today)

        if not needs_approval(plan, today):
            apply_change(
                session=session,
                pilot=pilot,
                proposal=proposal.values,
                user_id=request.user_id,
                at=now,
            )
            log_change(
                session=session,
                pilot_id=pilot.id,
                user_id=request.user_id,
                kind="change",
                summary=(
                    f"Before the start (no approval needed): {proposal.summary}."
                    f" Impact: {' '.join(proposal.impact) or change_blocks.NO_IMPACT}"
                ),
                reason=reason,
                at=now,
            )
            if kind is ChangeKind.SCOPE:
                owe_scope_document(
                    session,
                    pilot,
                    why=(
                        f"Changed before the start by <@{request.user_id}>:"
                        f" {user_text(reason, 300)}"
                    ),
                    user_id=request.user_id,
                    now=now,
                )
            return change_blocks.applied_reply(
                proposal.summary, proposal.impact, plan.start.isoformat()
            )

        opened = open_change_request(
            session, pilot=pilot, proposal=proposal, reason=reason, user_id=request.user_id, now=now
        )
        if opened is None:
            return change_blocks.no_decider_reply()

    # Recorded, and the decision maker and the channel are owed their messages.
    return change_blocks.requested_reply(opened.view, opened.deciders, opened.role_name)


@dataclass(frozen=True)
class OpenedRequest:
    """A change request recorded and logged, waiting for the decision maker."""

    view: change_blocks.ChangeView
    deciders: tuple[str, ...]
    role_name: str


def open_change_request(
    session: Session,
    *,
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
    session: Session,
    request: CommandRequest,
    kind: ChangeKind,
    pilot: Pilot,
    plan: Plan,
    today: date,
) -> Proposal:
    options = request.parsed.options
    override = parse_yes_no(options.get("override", "no"))
    if kind is ChangeKind.RAMP:
        return propose_ramp(plan, request.parsed.args["ramp"], today=today, override=override)
    if kind is ChangeKind.END:
        end, weeks = request.parsed.args.get("date"), options.get("weeks")
        return propose_end(
            plan,
            end=None if end is None else parse_date(end),
            weeks=None if weeks is None else parse_weeks(weeks),
            today=today,
            override=override,
        )
    assert pilot.id is not None
    current = scope_of(session=session, pilot_id=pilot.id)
    return propose_scope(current, boundary_values(options))


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


# ----- the decision buttons ----------------------------------------------------------------


@guarded
def decision_clicked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: dict[str, Any],
    respond: Respond,
) -> None:
    """Approve or Reject, clicked in the decision maker's DM; the value is the change id."""
    ack()
    approved = action.get("action_id") == ids.CHANGE_APPROVE
    services: Services = context["services"]
    user_id = (body.get("user") or {}).get("id", "")
    workspace = installation_of(context, body)  # acted on only from its own workspace
    value = str(action.get("value", ""))
    if not (value.isascii() and value.isdigit() and int(value) <= MAX_ID):
        _ephemeral(respond, change_blocks.not_found())
        return
    now = services.clock.now()
    status = ChangeStatus.APPROVED if approved else ChangeStatus.REJECTED
    with services.work() as session:
        found = change_request_in(session=session, workspace=workspace, change_id=int(value))
        if found is None:
            _ephemeral(respond, change_blocks.not_found())
            return
        row, pilot = found
        assert pilot.id is not None
        view = _view(row, pilot)
        role, deciders = decision_maker(holders(session=session, pilot_id=pilot.id))
        role_name = _role_name(role)
        if row.status != ChangeStatus.PENDING:
            _ephemeral(respond, _already(row, pilot))
            return
        if user_id not in deciders:
            _ephemeral(respond, change_blocks.only_decider(deciders, role_name, view.ref))
            return
        if approved and pilot.state == PilotState.ENDED:
            raise DomainError(f"The pilot has ended; {view.ref} can no longer be approved.")
        proposal = json.loads(row.proposal)
        moved = moved_since(proposal, plan_of(pilot), scope_of(session=session, pilot_id=pilot.id))
        if approved and moved:
            # Its stated impact no longer holds: approving it would approve something else.
            _ephemeral(respond, change_blocks.outdated(view.ref, moved))
            return
        if not decide_change(
            session=session, request=row, status=status, user_id=user_id, role=role.value, at=now
        ):
            _ephemeral(respond, _already(row, pilot))  # another click got there first
            return
        if approved:
            apply_change(
                session=session,
                pilot=pilot,
                proposal=proposal,
                user_id=row.requested_by,
                at=now,
            )
            if row.kind == ChangeKind.SCOPE.value:  # a new scope document, to sign again
                owe_scope_document(
                    session,
                    pilot,
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
        stakeholders = _stakeholders(
            [m.user_id for m in team_of(session=session, pilot_id=pilot.id)],
            requester=row.requested_by,
            owner=pilot.owner_id,
            decider=user_id,
        )
        decided_at = now.astimezone(plan_of(pilot).zone)
        _owe_decided(
            session,
            pilot,
            view,
            approved=approved,
            decider=user_id,
            role_name=role_name,
            recipients=(
                stakeholders
                if approved
                else [row.requested_by]
                if row.requested_by != user_id
                else []
            ),
            now=now,
        )
        # The DM the decision maker clicked in shows the decision instead of its buttons.
        clicked = _clicked_message(body)
        if clicked is not None:
            owe(
                session=session,
                pilot=pilot,
                key=f"{_key(view)}:decided-in:{clicked[1]}",
                kind="change_decided_dm",
                message=change_blocks.decided_dm(view, approved, decided_at).message(),
                now=now,
                method=UPDATE,
                channel_id=clicked[0],
                target_ts=clicked[1],
            )


def _owe_decided(
    session: Session,
    pilot: Pilot,
    view: change_blocks.ChangeView,
    *,
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


def _clicked_message(body: dict[str, Any]) -> tuple[str, str] | None:
    """(channel, ts) of the message a button was clicked in, when Slack says."""
    container = body.get("container") or {}
    channel = str((body.get("channel") or {}).get("id") or container.get("channel_id") or "")
    ts = str(container.get("message_ts") or (body.get("message") or {}).get("ts") or "")
    return (channel, ts) if channel and ts else None


# ----- helpers -----------------------------------------------------------------------------


def _reason(text: str) -> str:
    reason = " ".join(text.split())
    if not reason:
        raise DomainError('Say why: add reason="..." (the change log keeps it).')
    if len(reason) > MAX_REASON_LENGTH:
        raise DomainError(f"Keep the reason under {MAX_REASON_LENGTH} characters.")
    return reason


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


def _ephemeral(respond: Respond | None, reply: Reply) -> None:
    if respond is None:  # clicked on the Home tab: the tab, published again, shows it
        return
    respond(response_type="ephemeral", replace_original=False, **reply.message())


def register(app: App) -> None:
    app.action(ids.CHANGE_APPROVE)(decision_clicked)
    app.action(ids.CHANGE_REJECT)(decision_clicked)
