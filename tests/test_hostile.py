"""Hostile requests: forged, malformed and replayed ones get a clear refusal, never a 500,
and change nothing; Slack's own retries of an event are still handled once."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlmodel import select

from devtools.harness import running_bot
from storage.db import make_engine, unit_of_work
from storage.models import Flag, ProcessedEvent, SeenRequest
from storage.requests import first_sighting, prune
from tests.cadence_helpers import eventually
from tests.helpers import CHANNEL, store_pilot

OWNER = "U0001"


def flags(engine) -> list[Flag]:
    with unit_of_work(engine) as session:
        return list(session.exec(select(Flag)).all())


@pytest.mark.parametrize("timestamp", ["abc", "", "1e9", "²²²²²²²²²²", " 1700000000", "-5"])
def test_a_timestamp_that_is_not_ascii_digits_gets_401(bot, timestamp):
    store_pilot(bot.engine)
    body = b"command=%2Fpilot&text=flag+major+x&team_id=T0001&user_id=U0001&channel_id=C0001"
    signature = bot.sender.sign(body, int(time.time()))
    response = bot.sender.send(
        body,
        "application/x-www-form-urlencoded",
        signature=signature,
        headers={"X-Slack-Request-Timestamp": timestamp},
    )
    assert response.status == 401
    assert flags(bot.engine) == []


def test_a_stale_or_forged_signature_gets_401(bot):
    store_pilot(bot.engine)
    stale = int(time.time()) - 301
    assert bot.sender.command("flag major x", timestamp=stale).status == 401
    assert bot.sender.command("flag major x", signature="v0=" + "0" * 64).status == 401
    assert flags(bot.engine) == []


@pytest.mark.parametrize(
    ("body", "content_type", "problem"),
    [
        (b"{not json", "application/json", "the JSON body is not JSON"),
        (b"[1, 2]", "application/json", "the JSON body is not a JSON object"),
        (b"payload=%7Bnope", "application/x-www-form-urlencoded", "the payload field is not JSON"),
        (b"payload=%5B%5D", "application/x-www-form-urlencoded", "the payload field is not a"),
        (b"\xff\xfe", "application/x-www-form-urlencoded", "not UTF-8"),
    ],
)
def test_a_signed_body_bolt_cannot_parse_gets_400_and_one_warning(
    bot, caplog, body, content_type, problem
):
    response = bot.sender.send(body, content_type)
    assert response.status == 400
    assert problem in response.json()["error"]
    [record] = [r for r in caplog.records if "refused a signed request" in r.getMessage()]
    assert record.levelname == "WARNING" and record.exc_info is None


def test_a_body_over_a_mebibyte_gets_413(bot):
    assert bot.sender.send(b"x" * (1 << 20 + 1), "application/json").status == 413


def replay_pair(bot, text: str):
    """The same signed slash command, byte for byte, sent twice."""
    ts = int(time.time())
    options = {
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        "response_url": bot.emulator.new_response_url(channel_id=CHANNEL, user_id=OWNER),
        "timestamp": ts,
        "channel_id": CHANNEL,
        "channel_name": "pilot-acme",
        "user_id": OWNER,
        "user_name": "alice",
    }
    return lambda sender: sender.command(text, **options)


def test_a_replayed_command_gets_401_and_changes_nothing(bot):
    store_pilot(bot.engine)
    send = replay_pair(bot, "flag major Checkout is down")
    assert send(bot.sender).status == 200
    eventually(lambda: len(flags(bot.engine)) == 1)
    for _ in range(3):
        assert send(bot.sender).status == 401
    assert len(flags(bot.engine)) == 1
    # Asking again (a new request, a new signature) is not a replay.
    assert bot.sender.command("flag major Checkout is down").status == 200
    eventually(lambda: len(flags(bot.engine)) == 2)


def test_a_replay_sent_to_another_instance_is_refused_too(bot, emulator, database_url, request):
    store_pilot(bot.engine)
    schema = getattr(request.node, "pg_schema", None)
    other_engine = make_engine(database_url, schema=schema)
    try:
        with running_bot(emulator=emulator, engine=other_engine, clock=bot.clock) as other:
            send = replay_pair(bot, "flag major Checkout is down")
            assert send(bot.sender).status == 200
            assert send(other.sender).status == 401
    finally:
        other_engine.dispose()
    eventually(lambda: len(flags(bot.engine)) == 1)


def test_a_read_answered_in_the_ack_may_be_sent_again(bot):
    """`/pilot status` writes nothing, so it pays for no replay check either."""
    store_pilot(bot.engine)
    send = replay_pair(bot, "status")
    assert send(bot.sender).status == 200 and send(bot.sender).status == 200
    with unit_of_work(bot.engine) as session:
        assert session.exec(select(SeenRequest)).all() == []


def test_seen_signatures_and_old_events_are_pruned(engine, clock):
    now = clock.now()
    with unit_of_work(engine) as session:
        assert first_sighting(session=session, signature="v0=old", at=now - timedelta(minutes=11))
        assert first_sighting(session=session, signature="v0=new", at=now)
        assert not first_sighting(session=session, signature="v0=new", at=now)
        session.add(
            ProcessedEvent(team_id="T1", event_id="Ev1", received_at=now - timedelta(days=3))
        )
        session.add(ProcessedEvent(team_id="T1", event_id="Ev2", received_at=now))
    with unit_of_work(engine) as session:
        assert prune(session=session, now=now) == (1, 1)
    with unit_of_work(engine) as session:
        assert [s.signature for s in session.exec(select(SeenRequest))] == ["v0=new"]
        assert [e.event_id for e in session.exec(select(ProcessedEvent))] == ["Ev2"]


def test_a_command_that_says_payload_is_read_as_a_command(bot):
    """Bolt takes any form body with the word "payload" in it for an interactive one;
    the edge re-encodes it so the command still counts."""
    store_pilot(bot.engine)
    response = bot.sender.command("flag minor the payload is wrong", channel_id=CHANNEL)
    assert response.status == 200 and "F-1" in response.json()["text"]
    eventually(lambda: [f.description for f in flags(bot.engine)] == ["the payload is wrong"])


def test_typed_text_loses_control_characters(bot):
    store_pilot(bot.engine)
    response = bot.sender.command("flag minor Null\x00 and bell\x07 gone", channel_id=CHANNEL)
    assert response.status == 200
    eventually(lambda: [f.description for f in flags(bot.engine)] == ["Null and bell gone"])


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("snooze F-1 99999999999999999999h reason=x", "is not a length of time"),
        ("snooze F-1 999999h reason=x", "Snooze for 1 minute to 14 days"),
        ('change end 9999-12-31 reason="x"', "is too far out"),
        ("flag F-99999999999", "Usage"),
    ],
)
def test_numbers_out_of_range_get_the_usage_not_a_crash(bot, text, answer):
    store_pilot(bot.engine)
    bot.sender.command("flag minor something", channel_id=CHANNEL)
    response = bot.sender.command(text, channel_id=CHANNEL)
    assert response.status == 200
    said = response.json()["text"]
    assert answer in said and "Sorry" not in said
