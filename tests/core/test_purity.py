"""bot.core stays pure: stdlib and `holidays` only, and no clock reads."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "bot" / "core"
FORBIDDEN = (
    "slack_sdk",
    "slack_bolt",
    "sqlalchemy",
    "sqlmodel",
    "storage",
    "handlers",
    "schedules",
)
CLOCK_CALLS = ("now", "today", "utcnow", "time")


def _modules() -> list[Path]:
    # Recursive, so a feature that grows into a subpackage stays covered.
    return sorted(CORE.rglob("*.py"))


def test_every_core_module_is_checked() -> None:
    names = {path.stem for path in _modules()}
    # The modules issue 10 split out of reviews, escalation and settings_table, and the
    # pilot's lifecycle: each is checked like the rest.
    assert {
        "checklists", "criteria", "decisions", "traffic", "escalation_policy",
        "escalation_timer", "spans", "pilot_settings", "setting_changes", "lifecycle",
    } <= names


def _imports(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_imports_nothing_from_the_outside() -> None:
    for path in _modules():
        for name in _imports(ast.parse(path.read_text())):
            assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"
            # Within bot/, only the core itself: not the blocks, the app or the settings.
            if name.split(".")[0] == "bot":
                assert name.startswith("bot.core"), f"{path.name} imports {name}"


def test_core_never_reads_the_clock() -> None:
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                is_clock = (
                    node.func.attr in CLOCK_CALLS
                    and isinstance(owner, ast.Name)
                    and owner.id in ("datetime", "date", "time")
                )
                assert not is_clock, f"{path.name}:{node.lineno} reads the clock"
