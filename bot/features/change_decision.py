"""A change request decided: Approve or Reject, clicked in the decision maker's DM
(step 4 of the change process in bot/features/change.py). On approval the plan changes,
the channel is told and every stakeholder gets a DM; on rejection the requester and the
channel are told. The change log keeps the decision."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.blocks import Reply
from bot.blocks import change as change_blocks
from bot.blocks.text import user_text
from bot.core.authority import decision_maker
from bot.core.changes import ChangeKind, ChangeStatus, moved_since
from bot.core.errors import DomainError
from bot.core.lifecycle import PilotState
from bot.core.refs import CHANGE, ref
from bot.features.change import key_of, owe_told, role_name_of, view_of
from bot.features.clicked import Clicked
from bot.features.signoff import owe_scope_document
from storage.db import Session
from storage.models import ChangeRequest, Pilot
from storage.outbox import UPDATE, owe
from storage.pilots import plan_of
from storage.record import apply_change, change_request_in, decide_change, scope_of
from storage.scope import Workspace
from storage.team import holders, log_change, team_of


@dataclass(frozen=True)
class Decision:
    """A click on Approve or Reject: ``answer`` tells the clicker why nothing was decided
    (None: decided, and the channel, the DMs and the clicked DM will say so)."""

    answer: Reply | None = None


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
    view = view_of(row, pilot)
    role, deciders = decision_maker(holders(session=session, pilot_id=pilot.id))
    role_name = role_name_of(role)
    if row.status != ChangeStatus.PENDING:
        return Decision(_already(row, pilot))
    if user_id not in deciders:
        return Decision(change_blocks.only_decider(deciders, role_name, view.ref))
    if approved and pilot.state == PilotState.ENDED:
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
            key=f"{key_of(view)}:decided-in:{clicked.message_ts}",
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
    dm = (
        change_blocks.stakeholder_dm(view, decider)
        if approved
        else change_blocks.rejected_dm(view, decider)
    )
    owe_told(
        session=session,
        pilot=pilot,
        now=now,
        view=view,
        notice=(
            "decided",
            "change_decided",
            change_blocks.channel_decided(view, approved, decider, role_name),
        ),
        dm=("told", "change_decided_dm", dm),
        users=recipients,
    )


def _already(row: ChangeRequest, pilot: Pilot) -> Reply:
    at = row.decided_at.astimezone(plan_of(pilot).zone) if row.decided_at else None
    return change_blocks.already_decided(ref(CHANGE, row.number), row.status, row.decided_by, at)


def _stakeholders(members: Iterable[str], *, requester: str, owner: str, decider: str) -> list[str]:
    """Everyone on the team, the requester and the owner, once each; not the decider,
    whose DM already shows the decision."""
    ordered = dict.fromkeys([*members, requester, owner])
    ordered.pop(decider, None)
    return list(ordered)
