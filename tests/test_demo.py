"""The demo tells the whole story in a couple of minutes' reading, and every part of it
really happened: the emulator received it, the database recorded it."""

import io
import re

from sqlmodel import col, select

from bot.blocks import ids
from devtools.demo import run_demo
from storage.db import unit_of_work
from storage.models import (
    ChecklistTick,
    Flag,
    MeetingNote,
    MetricValue,
    PilotDecision,
    ScopeDocument,
)

MAX_LINES = 300


def test_the_demo_tells_the_story_and_it_happened():
    seen: dict = {}

    def inspect(emulator, engine):
        seen["calls"] = emulator.calls
        seen["sam_dm"] = emulator.dm_channel("U0SAM")
        with unit_of_work(engine) as session:
            seen["decisions"] = [
                (d.subject, d.outcome)
                for d in session.exec(
                    select(PilotDecision).order_by(col(PilotDecision.decided_at))
                ).all()
            ]
            seen["flags"] = [(f.number, f.source) for f in session.exec(select(Flag)).all()]
            seen["metrics"] = sorted(v.source for v in session.exec(select(MetricValue)).all())
            seen["signed"] = [(d.version, d.signed_by) for d in session.exec(select(ScopeDocument))]
            seen["ticks"] = [
                (t.checklist, t.item, t.user_id)
                for t in session.exec(select(ChecklistTick)).all()
                if t.checked and t.checklist == "pre_pilot"
            ]
            seen["notes"] = [n.review_key for n in session.exec(select(MeetingNote)).all()]

    out = io.StringIO()
    assert run_demo(out=out, inspect=inspect) == 0
    text = out.getvalue()
    lines = text.splitlines()
    assert len(lines) <= MAX_LINES, len(lines)
    assert "Traceback" not in text
    assert not re.search(r"\bU0[A-Z]{3,}\b", text)  # names, not ids

    calls = seen["calls"]
    # A decision DM with Approve / Reject, to the decision maker.
    asked = [
        c
        for c in calls
        if c.method == "chat.postMessage"
        and c.ok
        and c.response["channel"] == seen["sam_dm"]
        and ids.CHANGE_APPROVE in str(c.params.get("blocks"))
        and ids.CHANGE_REJECT in str(c.params.get("blocks"))
    ]
    assert len(asked) == 2  # the ramp Hold, then the No-go's extension
    assert any(c.method == "views.publish" and c.ok for c in calls)  # the Home tab
    # Forms were submitted (metrics recorded, a flag from the form) and a reaction flagged.
    assert seen["metrics"] == ["", "grafana"]  # Dana's from the form, then Grafana's push
    assert tuple(source for _, source in sorted(seen["flags"])) == ("button", "reaction")
    # Decisions in their real order: Go, Go, No-go, then the recommendation.
    assert seen["decisions"] == [
        ("setup", "go"),
        ("soft_launch", "go"),
        ("expanded", "no_go"),
        ("recommendation", "go"),
    ]
    # The documentation: the scope signed off, a checklist item ticked, the meeting's notes.
    assert seen["signed"] == [(1, "U0SAM")]
    assert seen["ticks"] == [("pre_pilot", "b2", "U0DANA")]
    assert seen["notes"] == ["weekly_review:w2"]
    # The story, as a newcomer reads it.
    for said in (
        "@sam clicks [Sign off] on the scope document (v1) post",
        "@dana clicks [Tick] on the docs post",
        ":memo: *Meeting notes* · Weekly review, week 2 · from @alice",
        "@alice ticks 3 items on the phase review (setup) post",
        "@sam clicks [Go] on the phase review (setup) post",
        "@alice clicks [Hold] on the ramp change (w3) post",
        "@sam clicks [Reject] on the change (CH-1 ask) post",
        "@sam clicks [No-go] on the phase review (expanded) post",
        "@sam clicks [Approve] on the change (CH-2 ask) post",
        "@alice adds :triangular_flag_on_post: to the reply",
        "@alice opens the Home tab",
        "Slack Connect",
        "@dana, this was meant for you by DM, but Slack would not deliver it",
        "daily check-in threads and reminders)",
        "Not sent, with the reason recorded:",
        # The calendar's events, a push from monitoring and the review that shows it.
        "Her calendar app reads 14 events from it",
        "Fri Dec 11 10:00-11:00  End of Setup review (go / no-go)",
        "Grafana: POST /api/v1/metrics/grafana -> 202, recorded C-1 Containment rate = 58.2%",
        "C-1 Containment rate: 58.2% (target >= 60%) · below target",
        "recorded Fri Dec 18 from grafana",
        "[Home] Acme POC (Acme) in #acme-pilot · you: implementation lead, owner",
    ):
        assert said in text, said
    # Quiet weeks fold into a line: no check-in thread is printed one by one.
    assert "Daily check-in · Day" not in text
