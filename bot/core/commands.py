"""The `/pilot` subcommands: one table serves the parser, `/pilot help` and the README."""

from __future__ import annotations

from bot.core.grammar import CommandSpec

HELP = CommandSpec(("help",), "/pilot help", "List every subcommand.")
STATUS = CommandSpec(
    ("status",),
    "/pilot status [public]",
    "The pilot's phase, week, traffic, next ramp change and days left (`public` posts it).",
    positionals=("visibility?",),
)

COMMANDS: tuple[CommandSpec, ...] = (HELP, STATUS)


def usage_lines() -> list[str]:
    return [f"`{spec.usage}`: {spec.summary}" for spec in COMMANDS]
