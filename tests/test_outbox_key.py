"""Outbox keys: built and read back by OutboxKey, the stored text exactly as before."""

from datetime import date

import pytest

from bot.core.escalation import EscalationStep
from storage.checkins import checkin_key, status_post_key
from storage.escalation import StepKey
from storage.flags import announcement_key
from storage.outbox_key import MAX_LENGTH, OutboxKey


@pytest.mark.parametrize(
    "text",
    [
        "checkin:2026-12-08",
        "weekly_review:w3:files",
        "escalation:F-3:s2:U123",
        "checkin_status:U1:1700000000.000100",
        "final_evaluation",
        "created",
        "",
    ],
)
def test_a_key_reads_back_to_the_same_text(text):
    assert str(OutboxKey.parse(text)) == text
    assert str(OutboxKey.parse(text, parts=2)) == text


def test_the_keys_keep_their_stored_shape():
    assert str(checkin_key(date(2026, 12, 8))) == "checkin:2026-12-08"
    assert status_post_key("U1", "1700.0001") == "checkin_status:U1:1700.0001"
    assert announcement_key(3) == "flag:F-3"
    assert str(StepKey(3, EscalationStep(2))) == "escalation:F-3:s2"
    assert str(StepKey(3, EscalationStep(2), "U123")) == "escalation:F-3:s2:U123"
    assert str(OutboxKey.parse("weekly_review:w3").then("files")) == "weekly_review:w3:files"


def test_a_key_is_read_by_its_parts():
    assert StepKey.parse("escalation:F-3:s2:U123") == StepKey(3, EscalationStep(2), "U123")
    assert StepKey.parse("escalation:F-12:s1") == StepKey(12, EscalationStep(1))
    assert OutboxKey.parse("reminder:2026-12-08").day() == date(2026, 12, 8)
    assert OutboxKey.parse("a:b:c:d", parts=3).part(2) == "c:d"
    assert OutboxKey.parse("checkin").part(1) == ""
    assert OutboxKey.parse("report:weekly:abc").under("report", "weekly")
    assert not OutboxKey.parse("report:weekly").under("report", "weekly")


def test_a_derived_key_is_clipped_to_the_column():
    long = OutboxKey.of("x" * 98).then("refused")
    assert long.clipped() == str(long)[:MAX_LENGTH]
    assert len(long.clipped()) == MAX_LENGTH
