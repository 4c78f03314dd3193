"""The handler side's layers (issue 10): listeners in handlers/ speak Slack and call feature
functions; the feature functions in bot/features/ speak neither Slack nor SQL; only
storage/ talks to the database. And no module of either is over 400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HANDLERS = sorted((ROOT / "handlers").glob("*.py"))
FEATURES = sorted((ROOT / "bot" / "features").glob("*.py"))
SQL = ("sqlalchemy", "sqlmodel")
SLACK = ("slack_sdk", "slack_bolt")
MAX_LINES = 400


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _session_calls(path: Path) -> list[str]:
    """``session.exec(...)``, ``session.add(...)``, ...: the unit of work used directly."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "session"
            and node.func.attr in ("exec", "execute", "add", "add_all", "delete", "get", "scalar")
        ):
            found.append(f"{path.name}:{node.lineno} session.{node.func.attr}")
    return found


@pytest.mark.parametrize("path", HANDLERS, ids=lambda p: p.name)
def test_listeners_import_no_sql_and_nothing_from_schedules(path: Path) -> None:
    for name in _imports(path):
        top = name.split(".")[0]
        assert top not in SQL, f"handlers/{path.name} imports {name}"
        assert top != "schedules", f"handlers/{path.name} imports {name}"
    assert not _session_calls(path)


@pytest.mark.parametrize("path", FEATURES, ids=lambda p: p.name)
def test_feature_functions_import_neither_slack_nor_sql(path: Path) -> None:
    for name in _imports(path):
        top = name.split(".")[0]
        assert top not in SLACK + SQL, f"bot/features/{path.name} imports {name}"
        assert top != "handlers", f"bot/features/{path.name} imports {name}"
    assert not _session_calls(path)


@pytest.mark.parametrize("path", HANDLERS + FEATURES, ids=lambda p: p.name)
def test_listener_and_feature_modules_stay_small(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines"
