"""Developer tool: write a new Alembic revision from the models.

    python -m storage.new_revision "add flags"

It upgrades a scratch SQLite database to the newest revision, then lets
Alembic compare it with the models and write the difference.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from storage.db import alembic_config, make_engine, migrate


def main() -> None:
    message = " ".join(sys.argv[1:]) or "schema change"
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{Path(scratch) / 'scratch.db'}")
        migrate(engine)
        command.revision(alembic_config(engine), message=message, autogenerate=True)
        engine.dispose()


if __name__ == "__main__":
    main()
