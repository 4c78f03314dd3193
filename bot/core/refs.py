"""Ids people type for numbered record items: R-2 (risks), C-2 (criteria), CH-2 (changes)."""

from __future__ import annotations

import re

from bot.core.errors import DomainError

RISK = "R"
CRITERION = "C"
CHANGE = "CH"


def ref(prefix: str, number: int) -> str:
    return f"{prefix}-{number}"


def parse_ref(text: str, prefix: str) -> int:
    """"R-2", "r2", "R 2" or "2" -> 2 (for prefix "R")."""
    match = re.fullmatch(rf"(?:{prefix}\s*-?\s*)?([0-9]{{1,9}})", text.strip(), re.IGNORECASE)
    if match is None or int(match.group(1)) < 1:
        raise DomainError(f"'{text.strip()}' is not an id like {ref(prefix, 2)}.")
    return int(match.group(1))
