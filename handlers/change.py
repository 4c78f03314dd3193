"""`/pilot change ramp|end|scope ...` and the decision buttons (bot/features/change.py
does the work: the framework's Change Process)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App
from slack_sdk import WebClient

from bot.blocks import Reply, ids
from bot.blocks import change as change_blocks
from bot.blocks.common import section
from bot.blocks.text import escape
from bot.core import commands as catalog
from bot.core.changes import ChangeKind
from bot.features import change, change_decision
from bot.features.change import Applied, ChangeAsked, NoDecider
from handlers.answers import work
from handlers.clicks import Click, on_button

if TYPE_CHECKING:
    from handlers.commands import CommandRequest


def change_command(request: CommandRequest) -> Reply | None:
    """`/pilot change` without ramp, end or scope: say what can be changed, and how."""
    what = request.parsed.args.get("what", "")
    problem = f"`{what}` is not something `/pilot change` changes." if what else "Change what?"
    forms = [catalog.CHANGE_RAMP.usage, catalog.CHANGE_END.usage, catalog.CHANGE_SCOPE.usage]
    text = f"{problem} Use one of: " + " · ".join(f"`{escape(form)}`" for form in forms)
    return Reply(text=text, blocks=[section(text)])


def change_ramp(request: CommandRequest) -> Reply | None:
    return _change(request, ChangeKind.RAMP)


def change_end(request: CommandRequest) -> Reply | None:
    return _change(request, ChangeKind.END)


def change_scope(request: CommandRequest) -> Reply | None:
    return _change(request, ChangeKind.SCOPE)


def _change(request: CommandRequest, kind: ChangeKind) -> Reply:
    parsed = request.parsed
    asked = ChangeAsked(
        kind=kind,
        reason=change.reason_of(parsed.options.get("reason", "")),
        args=parsed.args,
        options=parsed.options,
    )
    with work(request.services) as session:
        done = change.request_change(
            session=session,
            now=request.services.clock.now(),
            where=request.where,
            user_id=request.user_id,
            asked=asked,
        )
    if isinstance(done, Applied):
        return change_blocks.applied_reply(done.summary, list(done.impact), done.start.isoformat())
    if isinstance(done, NoDecider):
        return change_blocks.no_decider_reply()
    # Recorded, and the decision maker and the channel are owed their messages.
    return change_blocks.requested_reply(done.view, done.deciders, done.role_name)


@on_button
def decision_clicked(click: Click, client: WebClient) -> Reply | None:
    """Approve or Reject, clicked in the decision maker's DM; the value is the change id."""
    change_id = ids.change_value(click.value)
    if change_id is None:
        return change_blocks.not_found()
    with work(click.services) as session:
        decided = change_decision.decide(
            session=session,
            now=click.services.clock.now(),
            workspace=click.workspace,  # acted on only from its own workspace
            change_id=change_id,
            approved=click.action_id == ids.CHANGE_APPROVE,
            user_id=click.user_id,
            clicked=click.clicked,
        )
    return decided.answer


def register(app: App) -> None:
    app.action(ids.CHANGE_APPROVE)(decision_clicked)
    app.action(ids.CHANGE_REJECT)(decision_clicked)
