"""Who may act on which pilot: the pilot a request names, and the framework's rules for
editing, recording and deciding. Each refusal is a domain error in the user's words."""

from __future__ import annotations

from dataclasses import dataclass

from bot import blocks
from bot.core.authority import PLAN_EDITORS, RECORD_KEEPERS, may_change_plan, may_record
from bot.core.errors import Refusal
from bot.core.reviews import Deciders
from storage.db import Session
from storage.models import Pilot
from storage.pilots import pilot_for_channel, pilot_in
from storage.scope import Workspace
from storage.team import roles_of


class NoPilot(Refusal):
    """The channel has no pilot: answered with how to create one."""

    def __init__(self) -> None:
        super().__init__(blocks.no_pilot_reply().text)


class NotAllowed(Refusal):
    """The user may read but not change this pilot's plan."""

    def __init__(self, action: str) -> None:
        super().__init__(
            f"Only {PLAN_EDITORS} may {action}. Ask one of them, or ask them to add you"
            " to the team with `/pilot team add`."
        )


GONE = "That pilot no longer exists in this workspace."


@dataclass(frozen=True)
class InChannel:
    """A command's pilot: the one of the channel it was sent in."""

    workspace: Workspace
    channel_id: str


@dataclass(frozen=True)
class Named:
    """A button's or a modal's pilot: the one its value names."""

    workspace: Workspace
    pilot_id: int


Where = InChannel | Named


def pilot_at(*, session: Session, where: Where) -> Pilot:
    """The pilot a request is about, or the refusal that says why there is none."""
    if isinstance(where, InChannel):
        return channel_pilot(
            session=session, workspace=where.workspace, channel_id=where.channel_id
        )
    return pilot_named(session=session, workspace=where.workspace, pilot_id=where.pilot_id)


def channel_pilot(*, session: Session, workspace: Workspace, channel_id: str) -> Pilot:
    """The pilot of the channel a command came from."""
    pilot = pilot_for_channel(session=session, workspace=workspace, channel_id=channel_id)
    if pilot is None:
        raise NoPilot()
    return pilot


def pilot_named(*, session: Session, workspace: Workspace, pilot_id: int) -> Pilot:
    """The pilot a button or a modal names, if it still exists in this workspace."""
    pilot = pilot_in(session=session, workspace=workspace, pilot_id=pilot_id)
    if pilot is None:
        raise Refusal(GONE)
    return pilot


def require_editor(*, session: Session, pilot: Pilot, user_id: str, action: str) -> None:
    assert pilot.id is not None
    roles = roles_of(session=session, pilot_id=pilot.id, user_id=user_id)
    if not may_change_plan(user_id=user_id, owner_id=pilot.owner_id, roles=roles):
        raise NotAllowed(action)


def editable_pilot(*, session: Session, where: Where, user_id: str, action: str) -> Pilot:
    """The pilot at ``where``, once ``user_id`` is shown to be one who may ``action`` it."""
    pilot = pilot_at(session=session, where=where)
    require_editor(session=session, pilot=pilot, user_id=user_id, action=action)
    return pilot


def require_record_keeper(*, session: Session, pilot: Pilot, user_id: str, action: str) -> None:
    assert pilot.id is not None
    roles = roles_of(session=session, pilot_id=pilot.id, user_id=user_id)
    if not may_record(user_id=user_id, owner_id=pilot.owner_id, roles=roles):
        raise Refusal(
            f"Only {RECORD_KEEPERS} may {action}. Ask the owner (<@{pilot.owner_id}>) to add"
            " you with `/pilot team add`."
        )


def require_decider(deciders: Deciders, user_id: str, what: str) -> None:
    """Only the decision maker (the executive sponsor, else the project lead) decides."""
    if not deciders.users:
        raise Refusal(
            "Nobody holds the deciding role yet: add an executive sponsor (or a project lead)"
            " with `/pilot team add @user executive_sponsor`."
        )
    if user_id not in deciders.users:
        who = ", ".join(f"<@{u}>" for u in deciders.users)
        raise Refusal(f"Only {who} ({deciders.role_name}) decides {what}.")
