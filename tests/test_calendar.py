"""`/pilot calendar` and the feed calendar apps subscribe to, over real HTTP to the bot."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from devtools.harness import running_bot
from tests.helpers import store_member, store_pilot

PUBLIC = "https://pilot-bot.example.com"


@pytest.fixture
def served(emulator, engine, clock):
    emulator.add_user("U0003", "carol")
    with running_bot(emulator=emulator, engine=engine, clock=clock, public_url=PUBLIC) as bot:
        yield bot


def _address(bot, user_id: str = "U0001", command: str = "calendar") -> str:
    body = bot.sender.command(command, user_id=user_id).json()
    assert body["response_type"] == "ephemeral"
    (url,) = re.findall(rf"{re.escape(PUBLIC)}/calendar/[A-Za-z0-9_-]+\.ics", body["text"])
    return url


def _get(bot, url: str) -> tuple[int, bytes, str]:
    local = url.replace(PUBLIC, bot.url)  # the app would fetch PUBLIC_URL; this is the bot
    try:
        with urllib.request.urlopen(local, timeout=5) as answer:
            return answer.status, answer.read(), answer.headers["Content-Type"]
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers["Content-Type"]


def _events(body: bytes) -> dict[str, object]:
    return {str(e["UID"]).split(".")[0]: e for e in Calendar.from_ical(body).walk("VEVENT")}


def test_without_public_url_the_command_says_how_to_set_it(bot):
    store_pilot(bot.engine)
    text = bot.sender.command("calendar").json()["text"]
    assert "`PUBLIC_URL`" in text and "https" in text and "/calendar/" not in text


def test_the_team_gets_one_address_and_apps_read_the_pilots_dates(served):
    pilot = store_pilot(served.engine)
    store_member(served.engine, pilot, "U0002", "end_user")
    url = _address(served, "U0002")  # a team member, not an editor
    assert _address(served, "U0001") == url  # kept: asked again, the same address
    assert len(url.rsplit("/", 1)[1].removesuffix(".ics")) >= 40  # a long random token
    refused = served.sender.command("calendar", user_id="U0003").json()["text"]
    assert "Only the pilot's owner and the members of its team" in refused
    status, body, kind = _get(served, url)
    assert (status, kind) == (200, "text/calendar; charset=utf-8")
    events = _events(body)
    assert {"weekly_review-w2", "phase_review-setup", "ramp_step-w2", "hard_end"} <= set(events)
    review = events["weekly_review-w2"]
    assert review.decoded("DTSTART") == datetime(2026, 12, 14, 15, 0, tzinfo=UTC)
    assert review["DTSTART"].params["TZID"] == "America/New_York"
    assert str(review["URL"]) == "https://app.slack.com/client/T0001/C0001"
    assert served.emulator.calls_to("chat.postMessage") == []  # the address is never posted


def test_a_plan_change_moves_the_event_and_an_end_cancels_what_is_to_come(served, clock):
    store_pilot(served.engine)
    url = _address(served)
    before = _events(_get(served, url)[1])
    assert int(before["weekly_review-w3"]["SEQUENCE"]) == 0
    assert served.sender.command('set review="tue 11:00"').status == 200
    after = _events(_get(served, url)[1])
    moved = after["weekly_review-w3"]
    assert moved.decoded("DTSTART") == datetime(2026, 12, 22, 16, 0, tzinfo=UTC)  # Tue 11:00
    assert int(moved["SEQUENCE"]) == 1
    assert str(moved["UID"]) == str(before["weekly_review-w3"]["UID"])  # the same event
    assert int(after["hard_end"]["SEQUENCE"]) == 0  # what did not move keeps its sequence
    again = _events(_get(served, url)[1])  # served again unchanged: no bump
    assert int(again["weekly_review-w3"]["SEQUENCE"]) == 1

    # The pilot ends on the Wednesday of week 3: what is still to come is cancelled.
    clock.set(datetime(2026, 12, 23, 15, 0, tzinfo=UTC))
    assert served.sender.command('end reason="Budget cut"').status == 200
    ended = _events(_get(served, url)[1])
    assert str(ended["weekly_review-w3"]["STATUS"]) == "CONFIRMED"  # Tue Dec 22: happened
    assert str(ended["weekly_review-w4"]["STATUS"]) == "CANCELLED"
    assert int(ended["weekly_review-w4"]["SEQUENCE"]) == 2  # moved, then cancelled
    assert (str(ended["hard_end"]["STATUS"]), int(ended["hard_end"]["SEQUENCE"])) == (
        "CANCELLED", 1)


def test_reset_makes_the_old_address_404_as_a_wrong_token_does(served):
    pilot = store_pilot(served.engine)
    store_member(served.engine, pilot, "U0002", "end_user")
    old = _address(served)
    refused = served.sender.command("calendar reset", user_id="U0002").json()["text"]
    assert "Only the pilot's owner" in refused  # a team member who is not an editor
    assert _get(served, old)[0] == 200
    new = _address(served, command="calendar reset")
    assert new != old
    assert _get(served, old)[:2] == (404, b"Not Found")
    assert _get(served, new)[0] == 200
    assert _address(served, "U0002") == new
    # A token one character off, or a path that is not a calendar's, is as unknown.
    token = new.rsplit("/", 1)[1].removesuffix(".ics")
    wrong = token[:-1] + ("A" if token[-1] != "A" else "B")
    for path in (f"/calendar/{wrong}.ics", f"/calendar/{token}.ical", "/calendar/x.ics",
                 f"/calendar/{token}"):
        assert _get(served, PUBLIC + path)[:2] == (404, b"Not Found"), path
