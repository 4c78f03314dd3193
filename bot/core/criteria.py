"""Success criteria against their targets: the values recorded, where each criterion
stands, its trend, and the early warning of the framework's Mitigation Strategies
("metrics not achieved: conservative targets, early warning": a criterion below target
in two weekly reviews in a row).

Pure functions of the readings as of an instant.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from bot.core.errors import DomainError
from bot.core.localtime import require_aware
from bot.core.targets import Comparator, Target, parse_target

MEASUREMENT_USAGE = "a number in the target's unit, such as 62, 62%, 1.8 s or $10,000"


class Standing(StrEnum):
    MET = "met"
    BELOW = "below target"
    NO_VALUE = "no value recorded"
    NOT_MEASURABLE = "target not measurable"  # a target parse_target cannot read


class Trend(StrEnum):
    UP = "up"
    DOWN = "down"
    FLAT = "flat"


@dataclass(frozen=True)
class Criterion:
    id: int  # the stored row's id: metric values point at it
    number: int  # C-<number>
    name: str
    target_text: str

    @property
    def target(self) -> Target | None:
        return parse_target(self.target_text)


@dataclass(frozen=True)
class Reading:
    """One recorded value of a criterion: who recorded it, and when."""

    criterion_id: int
    value: Decimal
    typed: str  # as the person typed it ("62%"), or a pushed number in the target's unit
    at: datetime
    by: str  # who typed it ("" for a pushed value)
    source: str = ""  # where a pushed value came from ("grafana"); "" when typed in Slack

    @property
    def origin(self) -> str:
        """Where the value came from, for people: "from grafana", "" when typed."""
        return f"from {self.source}" if self.source else ""


@dataclass(frozen=True)
class Progress:
    """A criterion as of an instant: its latest value against the target, and the trend."""

    criterion: Criterion
    latest: Reading | None
    previous: Reading | None  # the value recorded before the latest one
    standing: Standing
    trend: Trend | None  # None without two values
    toward_target: bool | None  # the last move went the target's way; None if unknown

    @property
    def met(self) -> bool:
        return self.standing is Standing.MET


def standing(criterion: Criterion, latest: Reading | None) -> Standing:
    target = criterion.target
    if target is None:
        return Standing.NOT_MEASURABLE
    if latest is None:
        return Standing.NO_VALUE
    return Standing.MET if target.met(latest.value) else Standing.BELOW


def progress(criterion: Criterion, readings: Iterable[Reading], as_of: datetime) -> Progress:
    """Where ``criterion`` stands with the values recorded up to ``as_of`` (inclusive)."""
    require_aware(as_of, "as_of")
    known = sorted(
        (r for r in readings if r.criterion_id == criterion.id and r.at <= as_of),
        key=lambda r: r.at,
    )
    latest = known[-1] if known else None
    previous = known[-2] if len(known) > 1 else None
    trend = toward = None
    if latest is not None and previous is not None:
        if latest.value > previous.value:
            trend = Trend.UP
        elif latest.value < previous.value:
            trend = Trend.DOWN
        else:
            trend = Trend.FLAT
        toward = _toward(criterion.target, trend)
    return Progress(criterion, latest, previous, standing(criterion, latest), trend, toward)


def _toward(target: Target | None, trend: Trend) -> bool | None:
    if target is None or trend is Trend.FLAT:
        return None
    up_is_good = target.comparator in (Comparator.AT_LEAST, Comparator.MORE_THAN)
    down_is_good = target.comparator in (Comparator.AT_MOST, Comparator.LESS_THAN)
    if not (up_is_good or down_is_good):
        return None
    return (trend is Trend.UP) == up_is_good


def progress_of_all(
    criteria: Sequence[Criterion], readings: Sequence[Reading], as_of: datetime
) -> list[Progress]:
    return [progress(c, readings, as_of) for c in criteria]


def early_warnings(
    criteria: Sequence[Criterion],
    readings: Sequence[Reading],
    *,
    this_review: datetime,
    previous_review: datetime | None,
) -> list[Criterion]:
    """Criteria below target at this review and at the weekly review before it, on two
    different measurements (one old value carried forward warns once, not every week)."""
    if previous_review is None:
        return []
    found = []
    for c in criteria:
        now, before = progress(c, readings, this_review), progress(c, readings, previous_review)
        if (
            now.standing is Standing.BELOW
            and before.standing is Standing.BELOW
            and now.latest != before.latest
        ):
            found.append(c)
    return found


_NUMBER = re.compile(r"([+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?|[+-]?\.[0-9]+)")
_UNIT = re.compile(r"^[^0-9\s<>=≤≥,.][^<>=≤≥]{0,29}$")


def parse_measurement(text: str) -> Decimal:
    """The number in a recorded value: "62", "62%", "1.8 s", "$10,000", "4.5/5"."""
    rest = " ".join(text.split())
    if rest[:1] in ("$", "€", "£"):
        rest = rest[1:].strip()
    match = _NUMBER.match(rest)
    tail = rest[match.end() :].strip() if match else ""
    if match is None or (tail and not _UNIT.match(tail)):
        shown = " ".join(text.split()) or "(empty)"
        raise DomainError(f"'{shown}' is not a value; give {MEASUREMENT_USAGE}.")
    try:
        return Decimal(match.group(1).replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern only matches numbers
        raise DomainError(f"'{text}' is not a number.") from None


def plain_number(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
