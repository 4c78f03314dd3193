"""The one error path (handlers/answers.py): a domain error is the user's one line, a bug
an apology with a reference, and the apology says whether the change was saved."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import select

import handlers.change
from bot.blocks import ids
from bot.core.errors import DomainError, Refusal
from handlers.answers import Outcome, answer_for
from storage.db import unit_of_work
from storage.models import ChangeRequest
from tests.helpers import CHANNEL, store_member, store_pilot

OWNER, SPONSOR = "U0001", "U0002"
RAMP_CHANGE = 'change ramp 10,25,40,40 reason="Hold at 40% until latency is fixed"'


@pytest.fixture
def pilot(bot):
    pilot = store_pilot(bot.engine)
    store_member(bot.engine, pilot, SPONSOR, "executive_sponsor")
    return pilot


def change_requests(bot) -> list[ChangeRequest]:
    with unit_of_work(bot.engine) as session:
        return list(session.exec(select(ChangeRequest)).all())


def test_domain_errors_are_one_line_and_refusals_come_without_the_usage() -> None:
    assert answer_for(DomainError("Bad  date."), Outcome(), usage="/pilot x").text == (
        "Bad date. Usage: `/pilot x`"
    )
    assert answer_for(Refusal("Only the owner may."), Outcome(), usage="/pilot x").text == (
        "Only the owner may."
    )


def test_the_apology_says_nothing_was_changed_only_when_nothing_was(caplog) -> None:
    with caplog.at_level(logging.ERROR):
        before = answer_for(RuntimeError("boom"), Outcome()).text
        after = answer_for(RuntimeError("boom"), Outcome(saved=True, owed=True)).text
        quiet = answer_for(RuntimeError("boom"), Outcome(saved=True)).text
    assert "nothing was changed" in before
    assert "nothing was changed" not in after
    assert "after your change was saved" in after and after.endswith(
        "; the announcement will follow."
    )
    assert "after your change was saved" in quiet and "announcement" not in quiet
    references = [r.reference for r in caplog.records if hasattr(r, "reference")]
    assert len(references) == 3
    for reference, text in zip(references, (before, after, quiet), strict=True):
        assert f"(reference {reference})" in text


def test_an_answer_that_fails_after_the_commit_says_the_change_was_saved(
    bot, pilot, monkeypatch
):
    def broken(*_args, **_kwargs):
        raise RuntimeError("the answer could not be built")

    monkeypatch.setattr(handlers.change.change_blocks, "requested_reply", broken)
    body = bot.sender.command(RAMP_CHANGE, user_id=OWNER, channel_id=CHANNEL).json()
    assert body["response_type"] == "ephemeral"
    assert "Sorry, something went wrong" in body["text"]
    assert "after your change was saved" in body["text"]
    assert "the announcement will follow" in body["text"]
    assert "nothing was changed" not in body["text"]
    assert [r.number for r in change_requests(bot)] == [1]  # CH-1 is recorded
    bot.emulator.wait_for(lambda e: e.messages(e.dm_channel(SPONSOR)))  # and its DM sent


def test_a_failure_before_the_commit_says_nothing_was_changed(bot, pilot, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("the request could not be owed")

    monkeypatch.setattr("bot.features.change._owe_decision_request", broken)
    body = bot.sender.command(RAMP_CHANGE, user_id=OWNER, channel_id=CHANNEL).json()
    assert "nothing was changed" in body["text"]
    assert change_requests(bot) == []


def test_action_ids_and_callback_ids_never_coincide() -> None:
    values = {name: value for name, value in vars(ids).items() if name.isupper()}
    callbacks = {v for n, v in values.items() if n.endswith("_MODAL") and isinstance(v, str)}
    actions = {v for n, v in values.items() if not n.endswith("_MODAL") and isinstance(v, str)}
    assert not callbacks & actions


def test_button_values_round_trip_through_the_codec() -> None:
    assert ids.button_parts(ids.button_value(12, 3), 2) == ["12", "3"]
    with pytest.raises(Refusal):
        ids.button_parts("12:3", 3)
    with pytest.raises(DomainError):
        ids.button_parts("x:3", 2)


@pytest.mark.parametrize("modal", sorted(ids.OLD_CALLBACK_IDS))
def test_a_form_opened_before_the_restart_is_still_answered_under_its_old_callback_id(
    bot, modal
):
    """An empty form under the old callback id reaches its listener (an unhandled one
    would be answered with an empty 200): the form gets its inline errors."""
    old = ids.OLD_CALLBACK_IDS[modal]
    assert old != modal
    payload = bot.sender.view_submission(old, {}, user_id=OWNER, private_metadata="{}")
    response = bot.sender.interactive(payload)
    assert response.status == 200
    assert response.json()["response_action"] == "errors"


def test_a_form_without_inputs_is_turned_into_the_answer_not_sent_a_message() -> None:
    from handlers.answers import guarded

    calls: list[dict] = []

    @guarded
    def submitted(**_kwargs) -> None:
        raise DomainError("This review is over; the next one has its own form.")

    submitted(ack=lambda *a, **kw: calls.append(kw), view={"state": {"values": {}}})
    (sent,) = calls
    assert sent["response_action"] == "update"
    assert "This review is over" in str(sent["view"]["blocks"])
    assert sent["view"]["type"] == "modal" and "submit" not in sent["view"]
