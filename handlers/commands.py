"""The `/pilot` slash command: parse, route to a subcommand, answer."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltRequest, BoltResponse, Respond
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient

from bot import blocks
from bot.app import Services
from bot.blocks import Reply
from bot.core import commands as catalog
from bot.core.flags import looks_like_flag_ref
from bot.core.grammar import ParsedCommand, UsageError, parse
from bot.features.access import InChannel
from handlers import change, criteria, flags, reports, review, risks, scope, status, team
from handlers import outside as outside_commands
from handlers.answers import guarded
from handlers.canvas import canvas_command
from handlers.create import create_command
from handlers.docs import docs_command, docs_post_command
from handlers.escalation import escalation_command, snooze_command
from handlers.lifecycle import end_command, list_command, pause_command, resume_command
from handlers.notes import notes_command
from handlers.plan import plan_command, set_command, settings_command
from storage.scope import Workspace, installation_of


@dataclass(frozen=True)
class CommandRequest:
    """A parsed `/pilot` line and who sent it, from where."""

    parsed: ParsedCommand
    workspace: Workspace
    user_id: str
    channel_id: str
    services: Services
    client: WebClient
    ack: Ack  # routes that post for themselves ack first, then return None
    trigger_id: str = ""  # opens a modal; valid once, for 3 s after Slack sent the command

    @property
    def where(self) -> InChannel:
        """The pilot this command is about: the channel's."""
        return InChannel(self.workspace, self.channel_id)

    def once_key(self, prefix: str) -> str:
        """An outbox key for a post this very request asks for: the same for a retry of
        it, another for the next request (Slack gives each command its own trigger)."""
        return f"{prefix}:{self.trigger_id or uuid.uuid4().hex}"[:100]


Route = Callable[[CommandRequest], Reply | None]

ROUTES: dict[tuple[str, ...], Route] = {
    catalog.HELP.path: lambda _request: blocks.help_reply(catalog.usage_lines()),
    catalog.STATUS.path: status.status_command,
    catalog.CREATE.path: create_command,
    catalog.PLAN.path: plan_command,
    catalog.SETTINGS.path: settings_command,
    catalog.SET.path: set_command,
    catalog.PAUSE.path: pause_command,
    catalog.RESUME.path: resume_command,
    catalog.END.path: end_command,
    catalog.LIST.path: list_command,
    catalog.TEAM.path: team.team_command,
    catalog.TEAM_ADD.path: team.team_add,
    catalog.TEAM_REMOVE.path: team.team_remove,
    catalog.SCOPE.path: scope.scope_command,
    catalog.SCOPE_SET.path: scope.scope_set,
    catalog.SCOPE_DEFER.path: scope.scope_defer,
    catalog.RISKS.path: risks.risks_command,
    catalog.RISKS_ADD.path: risks.risks_add,
    catalog.RISKS_REMOVE.path: risks.risks_remove,
    catalog.CRITERIA.path: criteria.criteria_command,
    catalog.CRITERIA_ADD.path: criteria.criteria_add,
    catalog.CRITERIA_REMOVE.path: criteria.criteria_remove,
    catalog.CHANGE.path: change.change_command,
    catalog.CHANGE_RAMP.path: change.change_ramp,
    catalog.CHANGE_END.path: change.change_end,
    catalog.CHANGE_SCOPE.path: change.change_scope,
    catalog.REVIEW.path: review.review_command,
    catalog.REPORT.path: reports.report_command,
    catalog.DOCS.path: docs_command,
    catalog.DOCS_POST.path: docs_post_command,
    catalog.NOTES.path: notes_command,
    catalog.CANVAS.path: canvas_command,
    catalog.ESCALATION.path: escalation_command,
    catalog.SNOOZE.path: snooze_command,
    catalog.FLAG.path: flags.flag_command,
    catalog.FLAGS.path: flags.flags_command,
    catalog.ACK.path: flags.ack_command,
    catalog.RESOLVE.path: flags.resolve_command,
    catalog.CALENDAR.path: outside_commands.calendar_command,
    catalog.CALENDAR_RESET.path: outside_commands.calendar_reset,
    catalog.METRICS_TOKEN.path: outside_commands.metrics_token,
    catalog.METRICS_REVOKE.path: outside_commands.metrics_revoke,
}


# Routes that only read and answer in their ack, with no Slack call after it: Bolt runs
# them on the request's own thread instead of its listener pool (bot.app.ListenerExecutor).
ANSWERED_IN_ACK = frozenset(
    spec.path
    for spec in (
        catalog.HELP,
        catalog.PLAN,
        catalog.SETTINGS,
        catalog.LIST,
        catalog.TEAM,
        catalog.SCOPE,
        catalog.RISKS,
        catalog.CRITERIA,
        catalog.ESCALATION,
        catalog.FLAGS,
        catalog.DOCS,
    )
)


def answered_in_ack(parsed: ParsedCommand) -> bool:
    if parsed.spec is catalog.STATUS:
        return not parsed.args.get("visibility")  # `status public` posts in the channel
    if parsed.spec is catalog.FLAG:  # `flag F-3` shows one; raising one posts it
        return looks_like_flag_ref(parsed.args.get("what", "")) and not parsed.rest
    return parsed.spec.path in ANSWERED_IN_ACK


class MarkQuickReads(Middleware):
    """Global middleware: parse a `/pilot` line once, and say whether it may run inline
    (a Middleware subclass: Bolt calls it without building arguments, see bot/app.py)."""

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        body, context = req.body, req.context
        if body.get("command") == "/pilot":
            try:
                parsed = parse(body.get("text") or "", catalog.COMMANDS)
            except UsageError:
                quick = True  # a usage answer is the ack itself
            else:
                context["pilot_parsed"] = parsed
                quick = answered_in_ack(parsed)
            context["services"].executor.run_next_inline(quick)
            context["answered_in_ack"] = quick  # changes nothing: a replay of it is harmless
        return next()


@guarded
def pilot_command(
    ack: Ack, command: dict[str, Any], client: WebClient, context: dict[str, Any], respond: Respond
) -> None:
    text = command.get("text", "") or ""
    if not text.strip():
        ack(response_type="ephemeral", **blocks.help_reply(catalog.usage_lines()).message())
        return
    try:
        parsed = context.get("pilot_parsed") or parse(text, catalog.COMMANDS)
    except UsageError as error:
        reply = (
            blocks.usage_reply(error.message, error.usage)
            if error.usage
            else blocks.unknown_command_reply(text.split()[0], catalog.usage_lines())
        )
        ack(response_type="ephemeral", **reply.message())
        return
    context["pilot_parsed"] = parsed  # the one error path answers bad input with its usage
    request = CommandRequest(
        parsed=parsed,
        workspace=installation_of(context, command),
        user_id=command.get("user_id", ""),
        channel_id=command.get("channel_id", ""),
        services=context["services"],
        client=client,
        ack=ack,
        trigger_id=command.get("trigger_id", ""),
    )
    # Each route either answers (ephemerally, in the HTTP response: no extra call to
    # Slack) or has already acked and posted for itself, returning None.
    answer = ROUTES[parsed.spec.path](request)
    if answer is not None:
        ack(response_type="ephemeral", **answer.message())


def register(app: App) -> None:
    app.use(MarkQuickReads())
    app.command("/pilot")(pilot_command)
