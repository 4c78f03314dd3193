"""Success criteria targets: ">= 60%", "under 2 s", "at least 4.5/5", "$10,000 or more".

`parse_target` reads the comparator, the number and the unit from what a team
typed, so the end-of-pilot review can say "met" or "not met" from a measured
value. A target it cannot read stays plain text (nothing is refused): the team
still sees it, it just cannot be evaluated automatically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum


class Comparator(StrEnum):
    AT_LEAST = ">="
    MORE_THAN = ">"
    AT_MOST = "<="
    LESS_THAN = "<"
    EQUAL = "="

    def holds(self, actual: Decimal, target: Decimal) -> bool:
        match self:
            case Comparator.AT_LEAST:
                return actual >= target
            case Comparator.MORE_THAN:
                return actual > target
            case Comparator.AT_MOST:
                return actual <= target
            case Comparator.LESS_THAN:
                return actual < target
            case Comparator.EQUAL:
                return actual == target


@dataclass(frozen=True)
class Target:
    comparator: Comparator
    value: Decimal
    unit: str = ""  # "%", "s", "hours", "/5", "$" ... as typed; "" for a bare number

    def met(self, actual: Decimal | int | float | str) -> bool:
        """Whether a measured value (in the target's unit) meets the target."""
        return self.comparator.holds(_decimal(actual), self.value)

    def __str__(self) -> str:
        number = _plain(self.value)
        if self.unit in _PREFIX_UNITS:
            return f"{self.comparator} {self.unit}{number}"
        if not self.unit or self.unit in ("%", "/") or self.unit.startswith("/"):
            return f"{self.comparator} {number}{self.unit}"
        return f"{self.comparator} {number} {self.unit}"


# Longest first, so "at least" wins over "least" and ">=" over ">".
_PREFIX_WORDS: tuple[tuple[str, Comparator], ...] = (
    ("no more than", Comparator.AT_MOST),
    ("no less than", Comparator.AT_LEAST),
    ("no fewer than", Comparator.AT_LEAST),
    ("greater than", Comparator.MORE_THAN),
    ("fewer than", Comparator.LESS_THAN),
    ("more than", Comparator.MORE_THAN),
    ("less than", Comparator.LESS_THAN),
    ("at least", Comparator.AT_LEAST),
    ("at most", Comparator.AT_MOST),
    ("minimum", Comparator.AT_LEAST),
    ("maximum", Comparator.AT_MOST),
    ("exactly", Comparator.EQUAL),
    ("above", Comparator.MORE_THAN),
    ("below", Comparator.LESS_THAN),
    ("under", Comparator.LESS_THAN),
    ("over", Comparator.MORE_THAN),
    ("min", Comparator.AT_LEAST),
    ("max", Comparator.AT_MOST),
    (">=", Comparator.AT_LEAST),
    ("=>", Comparator.AT_LEAST),
    ("≥", Comparator.AT_LEAST),
    ("<=", Comparator.AT_MOST),
    ("=<", Comparator.AT_MOST),
    ("≤", Comparator.AT_MOST),
    ("==", Comparator.EQUAL),
    (">", Comparator.MORE_THAN),
    ("<", Comparator.LESS_THAN),
    ("=", Comparator.EQUAL),
)

_SUFFIX_WORDS: tuple[tuple[str, Comparator], ...] = (
    ("or more", Comparator.AT_LEAST),
    ("or higher", Comparator.AT_LEAST),
    ("or above", Comparator.AT_LEAST),
    ("or better", Comparator.AT_LEAST),
    ("or less", Comparator.AT_MOST),
    ("or fewer", Comparator.AT_MOST),
    ("or lower", Comparator.AT_MOST),
    ("or below", Comparator.AT_MOST),
    ("+", Comparator.AT_LEAST),
)

_PREFIX_UNITS = ("$", "€", "£")
# A number: optional sign, digits with optional thousands commas, optional decimals.
_NUMBER = re.compile(r"^([+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?|[+-]?\.[0-9]+)")
_UNIT = re.compile(r"^[^0-9\s<>=≤≥][^<>=≤≥]{0,29}$")


def parse_target(text: str) -> Target | None:
    """The target in ``text``, or None when it has no comparator and number to evaluate."""
    rest = " ".join(text.replace("&gt;", ">").replace("&lt;", "<").split()).strip()
    comparator: Comparator | None = None
    lowered = rest.lower()
    for word, found in _PREFIX_WORDS:
        if lowered.startswith(word) and _ends_word(lowered, len(word), word):
            comparator, rest = found, rest[len(word) :].strip()
            break
    lowered = rest.lower()
    for word, found in _SUFFIX_WORDS:
        if lowered.endswith(word) and len(rest) > len(word):
            if comparator is not None:
                return None  # ">= 60% or less": contradictory, leave it as text
            comparator, rest = found, rest[: -len(word)].strip()
            break
    if comparator is None:
        return None

    unit = ""
    if rest[:1] in _PREFIX_UNITS:
        unit, rest = rest[0], rest[1:].strip()
    match = _NUMBER.match(rest)
    if match is None:
        return None
    value = _decimal(match.group(1).replace(",", ""))
    tail = rest[match.end() :].strip()
    if tail:
        if unit or not _UNIT.match(tail):
            return None
        unit = tail
    return Target(comparator, value, unit)


def _ends_word(text: str, end: int, word: str) -> bool:
    # "over" must not match "overall"; symbols need no word boundary.
    if not word[-1].isalpha() or end >= len(text):
        return True
    return not text[end].isalpha()


def _decimal(value: Decimal | int | float | str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    try:
        # str() first: Decimal(0.1) would carry the float's binary error.
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
