"""Developer tool: rewrite the README's generated tables from the command table.

    python -m bot.readme
"""

from __future__ import annotations

from pathlib import Path

from bot.core.commands import COMMANDS

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- commands:start -->", "<!-- commands:end -->"


def commands_table() -> str:
    rows = [f"| `{spec.usage}` | {spec.summary.replace('|', '/')} |" for spec in COMMANDS]
    return "\n".join(["| command | what it does |", "| --- | --- |", *rows])


def render(text: str) -> str:
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{commands_table()}\n{END}{tail}"


def main() -> None:
    README.write_text(render(README.read_text()))


if __name__ == "__main__":
    main()
