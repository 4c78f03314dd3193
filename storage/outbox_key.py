"""An outbox message's key: its name within its pilot, owed once.

Keys are stored as text, their parts joined by colons (``checkin:2026-12-08``,
``escalation:F-3:s2:U123``, ``checkin_status:U1:1700000000.000100``). The unique
(pilot, key) constraint is what makes a message owed only once, and existing rows carry
these strings, so their shape never changes: ``OutboxKey`` builds them and reads them
back, and ``str(key)`` is exactly the stored text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

MAX_LENGTH = 100  # OutboxMessage.key's column
SEPARATOR = ":"


@dataclass(frozen=True)
class OutboxKey:
    parts: tuple[str, ...]

    @classmethod
    def of(cls, *parts: object) -> OutboxKey:
        """``OutboxKey.of("checkin", "2026-12-08")``: checkin:2026-12-08."""
        return cls(tuple(str(part) for part in parts))

    @classmethod
    def parse(cls, text: str, *, parts: int | None = None) -> OutboxKey:
        """The stored ``text`` read back; ``parts``: at most that many, the last keeping
        any colons it holds."""
        found = text.split(SEPARATOR) if parts is None else text.split(SEPARATOR, parts - 1)
        return cls(tuple(found))

    @property
    def head(self) -> str:
        """What the key names first (``checkin``, ``escalation``, ``flag``, ...)."""
        return self.parts[0]

    def part(self, index: int) -> str:
        """The part at ``index``, or "" when the key has fewer parts."""
        return self.parts[index] if -len(self.parts) <= index < len(self.parts) else ""

    def day(self, index: int = 1) -> date:
        """The ISO date at ``index`` (``checkin:2026-12-08``'s day)."""
        return date.fromisoformat(self.parts[index])

    def under(self, *parts: str) -> bool:
        """This key names a message under ``parts``: report:weekly:<id> is under
        (report, weekly)."""
        return len(self.parts) > len(parts) and self.parts[: len(parts)] == parts

    def then(self, *more: object) -> OutboxKey:
        """The key of a message that follows this one: ``weekly_review:w3`` then ``files``
        is ``weekly_review:w3:files``."""
        return OutboxKey((*self.parts, *(str(part) for part in more)))

    def clipped(self) -> str:
        """The stored text, cut to the column's length (a key made of another one)."""
        return str(self)[:MAX_LENGTH]

    def __str__(self) -> str:
        return SEPARATOR.join(self.parts)
