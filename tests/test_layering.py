"""The layers hold: listeners (handlers/) call feature functions and never speak SQL or
reach into the scheduler; feature functions (bot/features/) speak neither Slack nor SQL;
only storage/ speaks SQL; no runtime module outgrows 400 lines.
(The pure core has its own test: tests/core/test_purity.py.)"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUNTIME = ("bot", "handlers", "schedules", "storage")
MAX_LINES = 400
FEATURES_NEVER = ("slack_sdk", "slack_bolt", "handlers")

# What a module outside storage/ may take from SQLAlchemy or SQLModel: the types it hands
# on (an engine, a session or connection a feature function is given, a row) and errors
# it names. No statement is built, and none run, outside storage/.
TYPES_ALLOWED = frozenset({"Engine", "Connection", "Session", "Row"})
# Methods that run SQL, when called on a session or connection outside storage/.
RUNS_SQL = frozenset({"exec", "execute", "add", "add_all", "delete", "merge", "get", "scalars",
                      "scalar", "exec_driver_sql", "flush", "refresh", "query"})


def modules(*packages: str) -> list[Path]:
    return sorted(p for package in packages for p in (ROOT / package).rglob("*.py"))


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _imports(tree: ast.AST) -> list[tuple[str, str]]:
    """(module, name) for each import; name is "" for `import module`."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.module, alias.name) for alias in node.names]
    return found


def _is_sql_library(module: str) -> bool:
    return module.split(".")[0] in ("sqlalchemy", "sqlmodel")


def _receiver(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):
        return _receiver(node.func)
    return ""


def _sql_calls(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in RUNS_SQL
        ):
            receiver = _receiver(node.func.value).lower()
            if "session" in receiver or "connection" in receiver:
                found.append(f"{receiver}.{node.func.attr}() at line {node.lineno}")
    return found


@pytest.mark.parametrize("path", modules("handlers"), ids=_name)
def test_listeners_import_no_sql_library_and_nothing_from_the_scheduler(path):
    imports = _imports(ast.parse(path.read_text()))
    wrong = [
        f"{module} {name}".strip()
        for module, name in imports
        if _is_sql_library(module) or module.split(".")[0] == "schedules"
    ]
    assert wrong == [], f"{_name(path)}: listeners call bot/features and storage, not {wrong}"


@pytest.mark.parametrize("path", modules("bot/features"), ids=_name)
def test_feature_functions_speak_neither_slack_nor_sql_and_call_no_listener(path):
    imports = _imports(ast.parse(path.read_text()))
    wrong = [
        f"{module} {name}".strip()
        for module, name in imports
        if _is_sql_library(module) or module.split(".")[0] in FEATURES_NEVER
    ]
    assert wrong == [], f"{_name(path)}: feature functions call storage and owe messages ({wrong})"


@pytest.mark.parametrize("path", modules("bot", "handlers", "schedules"), ids=_name)
def test_only_storage_speaks_sql(path):
    tree = ast.parse(path.read_text())
    constructs = [
        f"{module} {name}".strip()
        for module, name in _imports(tree)
        if _is_sql_library(module) and not (name in TYPES_ALLOWED or name.endswith("Error"))
    ]
    assert constructs == [], f"{_name(path)} builds SQL: move it into storage/ ({constructs})"
    calls = _sql_calls(tree)
    assert calls == [], f"{_name(path)} runs SQL: move it into storage/ ({calls})"


@pytest.mark.parametrize("path", modules(*RUNTIME), ids=_name)
def test_no_runtime_module_is_over_400_lines(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{_name(path)} has {lines} lines: split it by feature"


def test_development_code_stays_out_of_what_serve_runs():
    for path in modules(*RUNTIME):
        for module, _ in _imports(ast.parse(path.read_text())):
            # `pilot-bot demo` is the one command that plays the scripted demo (on use).
            if (_name(path), module) == ("bot/cli.py", "devtools.demo"):
                continue
            assert module.split(".")[0] not in ("devtools", "tests", "bench"), _name(path)
