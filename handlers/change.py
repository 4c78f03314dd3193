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
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.blocks import Reply, ids
from bot.blocks import change as change_blocks
from bot.blocks.common import section
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
from bot.core.inputs import parse_date, parse_weeks, parse_yes_no
from bot.core.localtime import local_date
from bot.core.plan import Plan
from bot.core.refs import CHANGE, ref
from bot.core.roles import Role
from handlers.editing import Refusal, answers_with_usage, channel_pilot, require_editor
from handlers.reply import guarded, slack_error_code
from storage.db import unit_of_work
from storage.models import ChangeRequest, Pilot
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
    text = f"{problem} Use one of: " + " · ".join(f"`{form}`" for form in forms)
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
    with unit_of_work(request.services.engine) as session:
        pilot = channel_pilot(session, request)
        require_editor(session, pilot, request.user_id, "change the plan")
        assert pilot.id is not None
        if pilot.state == "ended":
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
            return change_blocks.applied_reply(
                proposal.summary, proposal.impact, plan.start.isoformat()
            )

        opened = open_change_request(
            session, pilot=pilot, proposal=proposal, reason=reason, user_id=request.user_id, now=now
        )
        if opened is None:
            return change_blocks.no_decider_reply()

    # Recorded: answer now, then message the decision maker and the channel.
    request.ack(
        response_type="ephemeral",
        **change_blocks.requested_reply(opened.view, opened.deciders, opened.role_name).message(),
    )
    send_for_decision(
        request.client, opened, channel_id=request.channel_id, user_id=request.user_id
    )
    return None


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
    """Steps 1-2 of the change process: record ``proposal`` as the pilot's next CH-n with
    its impact, in the change log too. None when nobody holds the deciding role. Once the
    caller's unit of work commits, `send_for_decision` does step 3. Reviews use it too
    (Hold on a ramp step, a phase No-go's extension)."""
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
    return OpenedRequest(view, tuple(deciders), _role_name(role))


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


def send_for_decision(
    client: WebClient, opened: OpenedRequest, *, channel_id: str, user_id: str
) -> None:
    """Step 3: tell the channel and ask the decision maker by DM; if a message does not go
    out, tell ``user_id`` (the requester) ephemerally in ``channel_id``."""
    view, deciders, role_name = opened.view, opened.deciders, opened.role_name
    failed: list[tuple[str, str]] = []
    # The channel first: by the time the decision maker can click, the request is public.
    try:
        notice = change_blocks.channel_requested(view, deciders, role_name)
        client.chat_postMessage(channel=view.channel_id, **notice.message())
    except (SlackApiError, OSError) as error:
        failed.append((view.channel_id, _failure(error)))
    dm = change_blocks.decision_request(view, role_name)
    for decider in deciders:
        try:
            _dm(client, decider, dm)
        except (SlackApiError, OSError) as error:
            failed.append((decider, _failure(error)))
    if failed:
        log.error("change request %s: could not message %s", view.ref, failed)
        _tell_ephemerally(client, channel_id, user_id, view.ref, failed)


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
    services = context["services"]
    user_id = (body.get("user") or {}).get("id", "")
    workspace = Workspace(  # a change is acted on only from its own workspace
        team_id=(body.get("team") or {}).get("id", ""),
        enterprise_id=(body.get("enterprise") or {}).get("id") or "",
    )
    value = str(action.get("value", ""))
    if not value.isdigit():
        _ephemeral(respond, change_blocks.not_found())
        return
    now = services.clock.now()
    status = ChangeStatus.APPROVED if approved else ChangeStatus.REJECTED
    with unit_of_work(services.engine) as session:
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
        if approved and pilot.state == "ended":
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

    # Decided and committed: now tell everyone.
    failed: list[tuple[str, str]] = []
    try:
        respond(
            replace_original=True, **change_blocks.decided_dm(view, approved, decided_at).message()
        )
    except Exception:  # a stale response_url must not stop the announcements below
        log.warning("could not update the decision message of %s", view.ref, exc_info=True)
    notice = change_blocks.channel_decided(view, approved, user_id, role_name)
    try:
        client.chat_postMessage(channel=view.channel_id, **notice.message())
    except (SlackApiError, OSError) as error:
        failed.append((view.channel_id, _failure(error)))
    if approved:
        recipients, message = stakeholders, change_blocks.stakeholder_dm(view, user_id)
    else:
        requester = [row.requested_by] if row.requested_by != user_id else []
        recipients, message = requester, change_blocks.rejected_dm(view, user_id)
    for recipient in recipients:
        try:
            _dm(client, recipient, message)
        except (SlackApiError, OSError) as error:
            failed.append((recipient, _failure(error)))
    if failed:
        log.error("change %s %s: could not message %s", view.ref, status.value, failed)
        _ephemeral(respond, change_blocks.undelivered(view.ref, status.value, failed))


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


def _failure(error: Exception) -> str:
    """What to tell people about a message that did not go out (URLError is an OSError)."""
    if isinstance(error, SlackApiError):
        return slack_error_code(error)
    return "connection_error"


def _dm(client: WebClient, user_id: str, reply: Reply) -> None:
    opened = client.conversations_open(users=user_id)
    client.chat_postMessage(channel=opened["channel"]["id"], **reply.message())


def _ephemeral(respond: Respond, reply: Reply) -> None:
    respond(response_type="ephemeral", replace_original=False, **reply.message())


def _tell_ephemerally(
    client: WebClient, channel: str, user: str, change_ref: str, failed: list[tuple[str, str]]
) -> None:
    reply = change_blocks.undelivered(change_ref, "recorded", failed)
    try:
        client.chat_postEphemeral(channel=channel, user=user, **reply.message())
    except (SlackApiError, OSError) as error:
        log.error("could not tell %s about %s: %s", user, change_ref, _failure(error))


def register(app: App) -> None:
    app.action(ids.CHANGE_APPROVE)(decision_clicked)
    app.action(ids.CHANGE_REJECT)(decision_clicked)
