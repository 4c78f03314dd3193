"""The `/pilot` subcommands: one table serves the parser, `/pilot help` and the README."""

from __future__ import annotations

from bot.core.boundaries import BOUNDARY_KEYS
from bot.core.grammar import CommandSpec

HELP = CommandSpec(("help",), "/pilot help", "List every subcommand.")
STATUS = CommandSpec(
    ("status",),
    "/pilot status [public]",
    "The pilot's phase, week, traffic, next ramp change and days left (`public` posts it).",
    positionals=("visibility?",),
)

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
SCOPE = CommandSpec(("scope",), "/pilot scope", "The hard scope boundaries and the Phase 2 bucket.")
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
RISKS = CommandSpec(("risks",), "/pilot risks", "The risk register, with mitigations.")
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
CRITERIA = CommandSpec(("criteria",), "/pilot criteria", "The success criteria and their targets.")
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

COMMANDS: tuple[CommandSpec, ...] = (HELP, STATUS, *PLAN_RECORD_COMMANDS)


def usage_lines() -> list[str]:
    return [f"`{spec.usage}`: {spec.summary}" for spec in COMMANDS]
