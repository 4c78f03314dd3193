"""A pilot's states and the moves between them: the table, and the refusals' wording."""

from datetime import date

import pytest

from bot.core.lifecycle import (
    TRANSITIONS,
    LifecycleMove,
    PilotState,
    allowed,
    ended_refusal,
    next_state,
    refusal,
)

ACTIVE, PAUSED, ENDED = PilotState.ACTIVE, PilotState.PAUSED, PilotState.ENDED
PAUSE, RESUME, END = LifecycleMove.PAUSE, LifecycleMove.RESUME, LifecycleMove.END


def test_a_state_is_its_stored_string() -> None:
    assert [str(s) for s in PilotState] == ["active", "paused", "ended"]
    assert PilotState("paused") is PAUSED
    assert ENDED == "ended" and f"{PAUSED}_notice" == "paused_notice"
    assert {"paused": 1}[PAUSED] == 1


def test_the_moves_are_the_change_log_kinds() -> None:
    assert [str(m) for m in LifecycleMove] == ["pause", "resume", "end"]


@pytest.mark.parametrize(
    ("state", "move", "to"),
    [
        (ACTIVE, PAUSE, PAUSED),
        (ACTIVE, END, ENDED),
        (PAUSED, RESUME, ACTIVE),
        (PAUSED, END, ENDED),
    ],
)
def test_allowed_moves(state: PilotState, move: LifecycleMove, to: PilotState) -> None:
    assert allowed(state, move)
    assert allowed(str(state), move)  # as stored
    assert next_state(state, move) is to
    assert refusal(move, state=state, name="Acme POC") is None


@pytest.mark.parametrize(
    ("state", "move"),
    [(ACTIVE, RESUME), (PAUSED, PAUSE), (ENDED, PAUSE), (ENDED, RESUME), (ENDED, END)],
)
def test_refused_moves(state: PilotState, move: LifecycleMove) -> None:
    assert not allowed(state, move)
    with pytest.raises(KeyError):
        next_state(state, move)
    assert refusal(move, state=state, name="Acme POC")


def test_every_state_has_a_row_and_ended_leads_nowhere() -> None:
    assert set(TRANSITIONS) == set(PilotState)
    assert TRANSITIONS[ENDED] == {}
    assert ENDED.is_final and not ACTIVE.is_final and not PAUSED.is_final
    reachable = {to for moves in TRANSITIONS.values() for to in moves.values()}
    assert reachable == set(PilotState)


def test_the_refusals_in_the_words_pilot_answers_with() -> None:
    assert refusal(PAUSE, state="paused", name="Acme POC", state_reason="code freeze") == (
        "*Acme POC* is already paused (code freeze). Resume it with `/pilot resume`."
    )
    assert refusal(RESUME, state="active", name="Acme POC") == (
        "*Acme POC* is not paused: its cadence is running."
    )
    assert refusal(
        END,
        state="ended",
        name="Acme POC",
        state_reason="customer chose another vendor",
        ended_on=date(2026, 12, 10),
    ) == (
        "*Acme POC* already ended on 2026-12-10: customer chose another vendor. Ending is"
        " final; start a new pilot here with `/pilot create`."
    )
    for move in (PAUSE, RESUME):
        assert refusal(move, state="ended", name="Acme POC", state_reason="lost") == (
            "*Acme POC* has ended (lost); an ended pilot is final and cannot change."
        )


def test_an_ended_pilot_refuses_any_change() -> None:
    assert ended_refusal("Acme", "") == (
        "*Acme* has ended; an ended pilot is final and cannot change."
    )
