import io

from bot.demo import run_demo


def test_the_demo_plays_its_script_against_the_emulator():
    out = io.StringIO()
    assert run_demo(out=out) == 0
    text = out.getvalue()
    assert "@alice in #acme-pilot: /pilot help" in text
    assert "Soft Launch, week 2 of 6, day 9" in text
    assert "#acme-pilot  pilot-bot: == Acme POC · Acme ==" in text
    # The scheduler's posts, fast-forwarded: ramp steps, reviews, the final evaluation.
    assert "Week 2: traffic goes from 10% to 25% today (standard ramp)" in text
    assert "== Weekly review · Week 6 of 6 · Expanded Pilot ==" in text
    assert "@sam clicks [Go] on the phase review (setup) post" in text
    assert "== Final evaluation · Acme POC ==" in text
    assert "recommendation_reminder: the recommendation was recorded" in text
    # A flag climbs the escalation path: a DM at every step, acknowledged from one of them.
    for who, age in (("dana", 4), ("alice", 4), ("omar", 24)):
        dm = f"DM @{who}  pilot-bot: == :rotating_light: F-1 escalated to you: unresolved"
        assert f"{dm} after {age} h" in text
    # Sam is Acme's, in a Slack Connect channel, and Acme's Slack refuses the DM: the 48 h
    # step comes into the flag's thread instead, mentioning him.
    assert "Slack Connect" in text
    assert (
        "#acme-pilot (in thread)  pilot-bot: @sam, this was meant for you by DM, but Slack"
        " would not deliver it (invalid_user_combination)." in text
    )
    assert "@alice clicks [Acknowledge] on the escalation (F-1:s1:U0ALICE) post" in text
    assert "*Acknowledged by* @alice (Tue Dec 15, 14:01 EST)" in text
    # A check-in thread, replies in it, and a flag raised from a reply.
    assert "== Daily check-in · Day 12 · Soft Launch · 25% traffic ==" in text
    assert "Previous workday (Thu Dec 17): no check-ins recorded · resolved: F-1" in text
    assert "@dana replies in the checkin (2026-12-18) thread: EU checkouts are back" in text
    assert "#acme-pilot (in thread)  pilot-bot: :triangular_flag_on_post: @alice flagged an" in text
    assert ":white_check_mark: @alice resolved F-2: Raised the export timeout" in text
    assert "Traceback" not in text
