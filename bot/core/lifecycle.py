"""A pilot's life: active, paused or ended, and the moves between them.

A person pauses a pilot (``/pilot pause``: no cadence posts until resumed, and the
missed ones are not sent later), resumes it, or ends it. Ending is final: an ended
pilot gets no more posts and accepts no changes, and its channel can hold a new pilot.

The states are stored as their values ("active", "paused", "ended"), so a
``PilotState`` compares equal to the stored string. Pure: the caller passes the
pilot's state and what it shows of it.

Not to be confused with ``PilotStatus`` (``bot.core.phases``): where the calendar
stands (not started, running, evaluation, complete), whatever people decided.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum


class PilotState(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"

    @property
    def is_final(self) -> bool:
        """An ended pilot is final: no posts, no changes, no way back."""
        return self is PilotState.ENDED


class LifecycleMove(StrEnum):
    """What a person asks for; the value is the change log's kind of entry."""

    PAUSE = "pause"
    RESUME = "resume"
    END = "end"


# The allowed moves from each state, and where each leads. Anything not here is refused.
TRANSITIONS: Mapping[PilotState, Mapping[LifecycleMove, PilotState]] = {
    PilotState.ACTIVE: {
        LifecycleMove.PAUSE: PilotState.PAUSED,
        LifecycleMove.END: PilotState.ENDED,
    },
    PilotState.PAUSED: {
        LifecycleMove.RESUME: PilotState.ACTIVE,
        LifecycleMove.END: PilotState.ENDED,
    },
    PilotState.ENDED: {},
}


def allowed(state: str, move: LifecycleMove) -> bool:
    """Whether ``move`` can happen from ``state`` (a stored value or a ``PilotState``)."""
    return move in TRANSITIONS[PilotState(state)]


def next_state(state: str, move: LifecycleMove) -> PilotState:
    """Where ``move`` leads from ``state``; a KeyError when it is not allowed."""
    return TRANSITIONS[PilotState(state)][move]


def refusal(
    move: LifecycleMove,
    *,
    state: str,
    name: str,
    state_reason: str = "",
    ended_on: date | None = None,
) -> str | None:
    """Why ``move`` is refused from ``state``, in the words `/pilot` answers with; None
    when it is allowed.

    ``name`` is the pilot's name as the answer shows it (mrkdwn: the caller escapes it);
    ``state_reason`` is the reason stored with the state (why it was paused or ended);
    ``ended_on`` is the pilot's local date of ending, for "already ended on ...".
    """
    current = PilotState(state)
    if allowed(current, move):
        return None
    if current is PilotState.ENDED and move is LifecycleMove.END:
        on = f" on {ended_on.isoformat()}" if ended_on is not None else ""
        why = f": {state_reason}" if state_reason else ""
        return (
            f"*{name}* already ended{on}{why}. Ending is final;"
            " start a new pilot here with `/pilot create`."
        )
    if current is PilotState.ENDED:
        return ended_refusal(name, state_reason)
    if move is LifecycleMove.PAUSE:
        return f"*{name}* is already paused ({state_reason}). Resume it with `/pilot resume`."
    return f"*{name}* is not paused: its cadence is running."


def ended_refusal(name: str, state_reason: str) -> str:
    """What an ended pilot answers to any change (``name`` as shown, escaped)."""
    why = f" ({state_reason})" if state_reason else ""
    return f"*{name}* has ended{why}; an ended pilot is final and cannot change."
