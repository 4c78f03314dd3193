"""The command-line pieces every benchmark shares: the database option, where the JSON
goes, and the command line that reproduces a run."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
DATABASE_HELP = "default: a temporary SQLite file; PostgreSQL gets a fresh schema"


def add_database_option(
    parser: argparse.ArgumentParser, *, default: str | None = None, help: str = DATABASE_HELP
) -> None:
    parser.add_argument("--database-url", default=default, help=help)


def add_output_option(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help=f"where the JSON goes (default: bench/results/{name}[_postgresql].json)",
    )


def output_path(output: Path | None, name: str, backend: str) -> Path:
    """``--output``, or bench/results/<name>.json (<name>_<backend>.json off SQLite)."""
    if output is not None:
        return output
    suffix = "" if backend == "sqlite" else f"_{backend}"
    return RESULTS / f"{name}{suffix}.json"


def reproduce(module: str, args: argparse.Namespace, names: Iterable[str]) -> str:
    """The command line that runs ``module`` again with these options (and the database,
    its password hidden)."""
    python = Path(sys.executable)
    shown = str(python.relative_to(REPO)) if python.is_relative_to(REPO) else "python"
    words = [shown, "-m", module]
    for name in names:
        value = getattr(args, name)
        if value is not None:
            words += [f"--{name.replace('_', '-')}", str(value)]
    if getattr(args, "database_url", None):
        words += ["--database-url", make_url(args.database_url).render_as_string()]
    if getattr(args, "output", None) is not None:
        words += ["--output", str(args.output)]
    return shlex.join(words)
