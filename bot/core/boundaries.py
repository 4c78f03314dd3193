"""Scope Containment: the hard boundaries a pilot defines explicitly, and what a change moves."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from bot.core.errors import DomainError

MAX_BOUNDARY_LENGTH = 2000


class Boundary(StrEnum):
    """The framework's "Define explicitly" list, in its order."""

    USE_CASES = "use_cases"
    CHANNELS = "channels"
    USERS = "users"
    GEOGRAPHIES = "geographies"
    LANGUAGES = "languages"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Boundary.USE_CASES: "Use cases",
    Boundary.CHANNELS: "Channels",
    Boundary.USERS: "Users or customers",
    Boundary.GEOGRAPHIES: "Geographies",
    Boundary.LANGUAGES: "Languages",
}

BOUNDARY_KEYS = frozenset(b.value for b in Boundary)


def boundary_values(options: Mapping[str, str]) -> dict[Boundary, str]:
    """The boundaries among ``key=value`` options, values trimmed (empty clears one)."""
    values = {Boundary(k): " ".join(v.split()) for k, v in options.items() if k in BOUNDARY_KEYS}
    for boundary, value in values.items():
        if len(value) > MAX_BOUNDARY_LENGTH:
            raise DomainError(
                f"{boundary.label} is too long ({len(value)} characters);"
                f" keep it under {MAX_BOUNDARY_LENGTH}."
            )
    return values


def scope_impact(old: Mapping[Boundary, str], new: Mapping[Boundary, str]) -> list[str]:
    """Sentences for what a scope change moves (the change process's "assess impact")."""
    out = []
    for boundary in Boundary:
        before = old.get(boundary, "")
        after = new.get(boundary, before)
        if before == after:
            continue
        if not before:
            out.append(f"{boundary.label} become defined: {after}.")
        elif not after:
            out.append(f"{boundary.label} are no longer limited (was: {before}).")
        else:
            out.append(f"{boundary.label} change from “{before}” to “{after}”.")
    if out:
        out.append("The timeline and the ramp do not change; check the success criteria still fit.")
    return out
