"""Developer tool: rewrite the README's generated tables from the command and settings tables.

    python -m devtools.readme
"""

from __future__ import annotations

from pathlib import Path

from bot.core.commands import COMMANDS
from bot.core.settings_table import SETTINGS

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- commands:start -->", "<!-- commands:end -->"
SETTINGS_START, SETTINGS_END = "<!-- settings:start -->", "<!-- settings:end -->"


def commands_table() -> str:
    rows = [f"| `{spec.usage}` | {spec.summary.replace('|', '/')} |" for spec in COMMANDS]
    return "\n".join(["| command | what it does |", "| --- | --- |", *rows])


def settings_table() -> str:
    rows = [
        f"| `{s.key}` | {s.description} | {s.form.replace('|', '/')} | `{s.usage}` |"
        for s in SETTINGS
    ]
    head = ["| key | what it sets | value | example |", "| --- | --- | --- | --- |"]
    return "\n".join([*head, *rows])


def render(text: str) -> str:
    text = _replace_between(text, START, END, commands_table())
    return _replace_between(text, SETTINGS_START, SETTINGS_END, settings_table())


def _replace_between(text: str, start: str, end: str, table: str) -> str:
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{table}\n{end}{tail}"


def main() -> None:
    README.write_text(render(README.read_text()))


if __name__ == "__main__":
    main()
