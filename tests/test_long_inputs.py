"""The longest inputs the grammar and forms accept: every payload stays within Slack's
limits (the strict emulator refuses any that does not), every item can be reached by
paging, and every criterion can be recorded."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from sqlmodel import select

from bot.blocks import ids
from bot.core.risks import RiskCategory
from storage.db import unit_of_work
from storage.models import MetricValue
from storage.record import add_criterion, defer_request
from storage.risks import add_risk
from tests.cadence_helpers import eventually, schedule_pilot
from tests.helpers import CHANNEL, acme_plan, store_member
from tests.review_helpers import click, opened_view, post, submit, walk

OWNER, SPONSOR = "U0001", "U0002"
NASTY = "&<>"  # each grows five-fold when escaped


def long(text: str, length: int) -> str:
    return (text + " " + NASTY * length)[:length]


def answer(bot, text: str) -> str:
    response = bot.sender.command(text, user_id=OWNER, channel_id=CHANNEL)
    assert response.status == 200, response.text
    body = response.json()
    assert "Sorry" not in body.get("text", ""), body
    return json.dumps(body, ensure_ascii=False)  # the fallback and the blocks


def refused(emulator) -> list[str]:
    return [f"{c.method}: {c.error}" for c in emulator.calls if c.error in _REFUSALS]


_REFUSALS = {"invalid_blocks", "msg_too_long", "invalid_arguments"}


def test_the_longest_record_pages_and_every_payload_is_one_slack_takes(bot):
    emulator, engine, clock = bot.emulator, bot.engine, bot.clock
    clock.set(datetime(2026, 12, 14, 14, 0, tzinfo=UTC))
    pilot = schedule_pilot(engine, clock.now(), acme_plan(name=long("Acme", 200)))
    store_member(engine, pilot, SPONSOR, "executive_sponsor")
    assert pilot.id is not None
    with unit_of_work(engine) as session:
        for n in range(200):
            add_risk(
                session=session,
                pilot_id=pilot.id,
                category=RiskCategory.TECHNICAL,
                risk=long(f"Risk {n}", 500),
                mitigation=long(f"Mitigation {n}", 1000),
                added_by=OWNER,
                at=clock.now(),
            )
        for n in range(110):
            add_criterion(
                session=session,
                pilot_id=pilot.id,
                name=long(f"Criterion {n}", 200),
                target=">= 60%",
                user_id=OWNER,
                at=clock.now(),
            )
        for n in range(60):
            defer_request(
                session=session,
                pilot_id=pilot.id,
                request=long(f"Request {n}", 2000),
                user_id=OWNER,
                at=clock.now(),
            )

    # Every item is on some page, and each page says where the rest are.
    for command, prefix, count in (("risks", "R", 200), ("criteria", "C", 110)):
        seen: set[int] = set()
        for page in range(1, 7):
            text = answer(bot, f"{command} page={page}")
            seen |= {int(n) for n in re.findall(rf"\b{prefix}-(\d+)\b", text)}
            if f"page={page + 1}" not in text:
                break
        assert seen == set(range(1, count + 1)), (command, sorted(set(range(1, count + 1)) - seen))
    assert "Showing 1–40 of 200; `/pilot risks page=2` for more." in answer(bot, "risks")
    assert "only 5 page(s)" in answer(bot, "risks page=6")
    shown = [answer(bot, "scope"), answer(bot, "scope page=2")]
    assert "Showing 41–60 of 60." in shown[1]

    # A flag with the longest description, resolved with the longest resolution.
    answer(bot, f"flag major {long('Checkout fails', 2000)}")
    eventually(lambda: emulator.calls_to("chat.postMessage"))
    answer(bot, f"resolve F-1 {long('Fixed', 2000)}")
    eventually(lambda: emulator.calls_to("chat.update"))

    # The weekly review (110 criteria) and its metrics form, page after page.
    walk(bot, datetime(2026, 12, 14, 15, 5, tzinfo=UTC))
    review = post(emulator, "weekly_review:w2")
    assert click(bot, review, ids.REVIEW_RECORD_METRICS, OWNER) == 200
    view = opened_view(bot, 1)
    pages = 0
    while True:
        pages += 1
        inputs = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
        assert len(view["blocks"]) <= 100
        response = submit(bot, view, {block: "61%" for block in inputs}, OWNER)
        assert response.status == 200
        if not response.body:
            break
        body = response.json()
        assert body["response_action"] == "update"
        view = body["view"]
    assert pages == 2
    with unit_of_work(engine) as session:
        recorded = {m.criterion_id for m in session.exec(select(MetricValue)).all()}
    assert len(recorded) == 110

    assert refused(emulator) == []
    for call in emulator.calls_to("chat.postMessage") + emulator.calls_to("chat.update"):
        assert len(call.params.get("text", "")) <= 12000
        assert len(call.params.get("blocks") or []) <= 50
