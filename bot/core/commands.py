"""The `/pilot` subcommands: one table serves the parser, `/pilot help` and the README."""

from __future__ import annotations

from bot.core.boundaries import BOUNDARY_KEYS
from bot.core.grammar import CommandSpec
from bot.core.settings_table import SETTINGS_BY_KEY

HELP = CommandSpec(("help",), "/pilot help", "List every subcommand.")
STATUS = CommandSpec(
    ("status",),
    "/pilot status [public]",
    "The pilot's phase, week, traffic, next ramp change and days left (`public` posts it).",
    positionals=("visibility?",),
)

# ----- the plan: create, calendar, settings, pause/resume/end, list (handlers/create.py ...)
CREATE_OPTIONS = frozenset(
    {"customer", "type", "ramp", "start", "weeks", "tz", "checkin", "review", "holidays"}
) | {"override"}
CREATE = CommandSpec(
    ("create",),
    '/pilot create ["<name>" customer=<customer> type=<technical/business/full>'
    " start=YYYY-MM-DD [ramp=standard] [weeks=<n>] [tz=America/New_York] [checkin=09:30]"
    ' [review="mon 10:00"] [holidays=US] [override=yes]]',
    "Create this channel's pilot (you own it); with no arguments it opens a form.",
    positionals=("name?",),
    options=CREATE_OPTIONS,
)
PLAN = CommandSpec(
    ("plan",),
    "/pilot plan",
    "The whole calendar, week by week: phase, traffic, reviews, ramp changes, hard end date.",
)
SETTINGS = CommandSpec(
    ("settings",), "/pilot settings", "Every per-pilot setting (check-in, review, holidays, ...)."
)
SET = CommandSpec(
    ("set",),
    "/pilot set key=value [key=value ...]",
    f"Change settings, several at once, all or nothing: {', '.join(SETTINGS_BY_KEY)}.",
    rest="settings",
    rest_required=True,
)
PAUSE = CommandSpec(
    ("pause",),
    '/pilot pause reason="..."',
    "Pause the cadence: no check-ins, reviews or ramp posts until resumed; flags still escalate.",
    options=frozenset({"reason"}),
    rest="reason",
)
RESUME = CommandSpec(
    ("resume",), "/pilot resume", "Resume a paused pilot (what was missed is not sent later)."
)
END = CommandSpec(
    ("end",),
    '/pilot end reason="..."',
    "End the pilot for good: no more posts.",
    options=frozenset({"reason"}),
    rest="reason",
)
LIST = CommandSpec(
    ("list",), "/pilot list", "The workspace's pilots: channel, phase, end date and state."
)
PLAN_COMMANDS = (CREATE, PLAN, SETTINGS, SET, PAUSE, RESUME, END, LIST)

# ----- team, scope, risks, success criteria, change process (handlers/team.py ... change.py)
TEAM = CommandSpec(("team",), "/pilot team", "The team by side and role, and who decides.")
TEAM_ADD = CommandSpec(
    ("team", "add"),
    "/pilot team add @user role",
    "Give someone a framework role (a person may hold several).",
    positionals=("user",),
    rest="role",
    rest_required=True,
)
TEAM_REMOVE = CommandSpec(
    ("team", "remove"),
    "/pilot team remove @user role",
    "Take a role away from someone.",
    positionals=("user",),
    rest="role",
    rest_required=True,
)
SCOPE = CommandSpec(
    ("scope",),
    "/pilot scope [page=<n>]",
    "The hard scope boundaries and the Phase 2 bucket.",
    options=frozenset({"page"}),
)
SCOPE_SET = CommandSpec(
    ("scope", "set"),
    '/pilot scope set use_cases="..." [channels=...] [users=...] [geographies=...] [languages=...]',
    "Define scope boundaries before the pilot starts.",
    options=BOUNDARY_KEYS,
)
SCOPE_DEFER = CommandSpec(
    ("scope", "defer"),
    '/pilot scope defer "<request>"',
    "Park an out-of-scope request in the Phase 2 bucket.",
    rest="request",
    rest_required=True,
)
RISKS = CommandSpec(
    ("risks",),
    "/pilot risks [page=<n>]",
    "The risk register, with mitigations.",
    options=frozenset({"page"}),
)
RISKS_ADD = CommandSpec(
    ("risks", "add"),
    '/pilot risks add <category> "<risk>" mitigation="..."',
    "Add a risk (technical, business, timeline or scope) and its mitigation.",
    positionals=("category", "risk"),
    options=frozenset({"mitigation"}),
)
RISKS_REMOVE = CommandSpec(
    ("risks", "remove"),
    "/pilot risks remove R-2",
    "Take a risk off the register (its id is never reused).",
    positionals=("risk",),
)
CRITERIA = CommandSpec(
    ("criteria",),
    "/pilot criteria [page=<n>]",
    "The success criteria and their targets.",
    options=frozenset({"page"}),
)
CRITERIA_ADD = CommandSpec(
    ("criteria", "add"),
    '/pilot criteria add "<name>" target=">= 60%"',
    "Add a success criterion with a measurable target.",
    positionals=("name",),
    options=frozenset({"target"}),
)
CRITERIA_REMOVE = CommandSpec(
    ("criteria", "remove"),
    "/pilot criteria remove C-2",
    "Remove a success criterion (its id is never reused).",
    positionals=("criterion",),
)
CHANGE = CommandSpec(
    ("change",),
    '/pilot change <ramp, end or scope> ... reason="..."',
    "Change the plan; after the start date the decision maker approves it.",
    positionals=("what?",),
    rest="proposal",
)
CHANGE_RAMP = CommandSpec(
    ("change", "ramp"),
    '/pilot change ramp <ramp> reason="..." [override=yes]',
    "Propose a new traffic ramp: a preset (conservative, standard, aggressive) or 10,25,40,50.",
    positionals=("ramp",),
    options=frozenset({"reason", "override"}),
)
CHANGE_END = CommandSpec(
    ("change", "end"),
    '/pilot change end <YYYY-MM-DD> reason="..."  (or weeks=<n> instead of the date)',
    "Propose a new hard end date, or a new length in weeks.",
    positionals=("date?",),
    options=frozenset({"weeks", "reason", "override"}),
)
CHANGE_SCOPE = CommandSpec(
    ("change", "scope"),
    '/pilot change scope use_cases="..." [channels=...] ... reason="..."',
    "Propose new scope boundaries once the pilot has started.",
    options=BOUNDARY_KEYS | {"reason"},
)
PLAN_RECORD_COMMANDS = (
    TEAM,
    TEAM_ADD,
    TEAM_REMOVE,
    SCOPE,
    SCOPE_SET,
    SCOPE_DEFER,
    RISKS,
    RISKS_ADD,
    RISKS_REMOVE,
    CRITERIA,
    CRITERIA_ADD,
    CRITERIA_REMOVE,
    CHANGE,
    CHANGE_RAMP,
    CHANGE_END,
    CHANGE_SCOPE,
)

# ----- reviews (handlers/review.py): the weekly review on demand
REVIEW = CommandSpec(
    ("review",),
    "/pilot review",
    "Post the weekly metrics review in the channel now (the weekly schedule stays as it is).",
)
REVIEW_COMMANDS = (REVIEW,)

# ----- the pilot's documents as files (handlers/reports.py)
REPORT = CommandSpec(
    ("report",),
    "/pilot report <weekly, issues, changes, risks, scope, metrics or final>"
    " [format=md/csv] [week=<n>]",
    "Upload a document of the pilot's record into the channel as a file (CSV for the tables).",
    positionals=("kind?",),
    options=frozenset({"format", "week"}),
)
REPORT_COMMANDS = (REPORT,)

# ----- documentation: checklists, meeting notes, the canvas (handlers/docs.py, notes.py,
# canvas.py); the scope's sign-off is a button on its post (handlers/signoff.py)
DOCS = CommandSpec(
    ("docs",),
    "/pilot docs",
    "The Pre-Pilot, During-Pilot and Post-Pilot documentation checklists, each item's state.",
)
DOCS_POST = CommandSpec(
    ("docs", "post"),
    "/pilot docs post",
    "Post the checklists in the channel, a button per item for the team to tick.",
)
NOTES = CommandSpec(
    ("notes",),
    "/pilot notes <text>",
    "Add meeting notes to the latest review: kept, posted in its thread, in the reports.",
    rest="text",
    rest_required=True,
)
CANVAS = CommandSpec(
    ("canvas",),
    "/pilot canvas",
    "Create the channel's canvas with the pilot's record; the bot keeps it current.",
)
DOCUMENTATION_COMMANDS = (DOCS, DOCS_POST, NOTES, CANVAS)

# ----- the escalation timer (handlers/escalation.py)
ESCALATION = CommandSpec(
    ("escalation",),
    "/pilot escalation",
    "The escalation path for unresolved flags: who is told when, per severity.",
)
SNOOZE = CommandSpec(
    ("snooze",),
    '/pilot snooze F-<n> <4h, 30m, 1d...> reason="..."',
    "Delay a flag's remaining escalation steps (the change log keeps why).",
    positionals=("flag", "duration"),
    options=frozenset({"reason"}),
    rest="reason",
)
ESCALATION_COMMANDS = (ESCALATION, SNOOZE)

# ----- issue flags, the issue log (handlers/flags.py). `flag`'s first word decides:
# a severity raises a flag, an id (F-3) shows one.
FLAG = CommandSpec(
    ("flag",),
    "/pilot flag <critical/major/minor> [category=technical/business/timeline/scope]"
    " <description>",
    "Raise an issue flag (no arguments: a form); `/pilot flag F-3` shows one flag's history.",
    positionals=("what?",),
    options=frozenset({"category"}),
    rest="description",
)
FLAGS = CommandSpec(
    ("flags",),
    "/pilot flags [page=<n>]",
    "The open issue flags: id, severity, age, who acknowledged them, escalation level.",
    options=frozenset({"page"}),
)
ACK = CommandSpec(
    ("ack",),
    "/pilot ack F-<n>",
    "Acknowledge a flag: you are on it (the team on either side and the plan editors).",
    positionals=("flag",),
)
RESOLVE = CommandSpec(
    ("resolve",),
    "/pilot resolve F-<n> <resolution>",
    "Resolve a flag, saying how: the issue log keeps the resolution.",
    positionals=("flag",),
    rest="resolution",
    rest_required=True,
)
FLAG_COMMANDS = (FLAG, FLAGS, ACK, RESOLVE)

# ----- outside the channel: the calendar feed and the metrics intake (handlers/outside.py)
CALENDAR = CommandSpec(
    ("calendar",),
    "/pilot calendar",
    "A calendar address for Google Calendar, Outlook or Apple Calendar: the reviews, ramp steps"
    " and end dates (the team and the editors).",
)
CALENDAR_RESET = CommandSpec(
    ("calendar", "reset"),
    "/pilot calendar reset",
    "Replace the calendar address: the old one stops working (editors).",
)
METRICS_TOKEN = CommandSpec(
    ("metrics", "token"),
    "/pilot metrics token",
    "A new token for monitoring to push metric values with, shown once; it replaces the"
    " previous one (editors).",
)
METRICS_REVOKE = CommandSpec(
    ("metrics", "revoke"),
    "/pilot metrics revoke",
    "Revoke the metrics push token: pushes with it are refused (editors).",
)
OUTSIDE_COMMANDS = (CALENDAR, CALENDAR_RESET, METRICS_TOKEN, METRICS_REVOKE)

COMMANDS: tuple[CommandSpec, ...] = (
    HELP,
    STATUS,
    *PLAN_COMMANDS,
    *PLAN_RECORD_COMMANDS,
    *REVIEW_COMMANDS,
    *REPORT_COMMANDS,
    *DOCUMENTATION_COMMANDS,
    *FLAG_COMMANDS,
    *ESCALATION_COMMANDS,
    *OUTSIDE_COMMANDS,
)


def usage_lines() -> list[str]:
    return [f"`{spec.usage}`: {spec.summary}" for spec in COMMANDS]
