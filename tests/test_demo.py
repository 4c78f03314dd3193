import io

from bot.demo import run_demo


def test_the_demo_plays_its_script_against_the_emulator():
    out = io.StringIO()
    assert run_demo(out=out) == 0
    text = out.getvalue()
    assert "@alice in #acme-pilot: /pilot help" in text
    assert "Soft Launch, week 2 of 6, day 9" in text
    assert "#acme-pilot  pilot-bot: == Acme POC · Acme ==" in text
    assert "Traceback" not in text
