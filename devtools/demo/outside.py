"""What reaches the bot from outside Slack in the story, and what it leaves behind: a
calendar app reading the pilot's feed, Grafana pushing a value, copies of the files the
bot shared."""

from __future__ import annotations

import json
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO
from urllib.request import Request, urlopen

from devtools.demo.printing import NEW_YORK, print_line
from devtools.demo.script import PUBLIC_URL
from devtools.harness import RunningBot
from slack_emulator.server import SlackEmulator


def read_calendar(bot: RunningBot, answer: str) -> str:
    """What a calendar app reads at the address the answer gives (asked of the bot's own
    server: the app would ask PUBLIC_URL)."""
    from icalendar import Calendar

    (url,) = re.findall(rf"{re.escape(PUBLIC_URL)}/calendar/\S+\.ics", answer)
    with urlopen(bot.url + url.removeprefix(PUBLIC_URL), timeout=5) as feed:  # noqa: S310
        events = sorted(Calendar.from_ical(feed.read()).walk("VEVENT"), key=_starts)
    lines = [f"Her calendar app reads {len(events)} events from it (New York times), such as:"]
    for event in [*events[:3], events[-1]]:
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        if isinstance(start, datetime):
            when = f"{start.astimezone(NEW_YORK):%a %b %d %H:%M}-{end.astimezone(NEW_YORK):%H:%M}"
        else:
            when = f"{start:%a %b %d}, all day"
        title = str(event["SUMMARY"]).split(": ", 1)[-1]
        lines.append(f"  {when}  {title}")
    lines[-1] = "  ..." + lines[-1].removeprefix(" ")
    return "\n".join(lines)


def _starts(event: Any) -> datetime:
    start = event.decoded("DTSTART")
    if isinstance(start, datetime):
        return start.astimezone(UTC)
    return datetime.combine(start, datetime.min.time(), NEW_YORK).astimezone(UTC)


def grafana_push(bot: RunningBot, answer: str, value: str) -> str:
    """Grafana's alert posts C-1 with the token the answer shows (to the bot's own server)."""
    (token,) = set(re.findall(r"pbm_[A-Za-z0-9_-]+", answer))
    body = {"receiver": "pilot-bot", "status": "firing", "alerts": [{
        "status": "firing", "labels": {"alertname": "Containment", "criterion": "C-1"},
        "annotations": {}, "values": {"A": float(value)}, "fingerprint": "a1"}]}
    request = Request(  # noqa: S310 - the bot's own server, over http on 127.0.0.1
        f"{bot.url}/api/v1/metrics/grafana",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urlopen(request, timeout=5) as response:  # noqa: S310
        status, recorded = response.status, json.loads(response.read())["recorded"]
    shown = ", ".join(f"{r['criterion']} {r['name']} = {r['shown_as']}" for r in recorded)
    return f"Grafana: POST /api/v1/metrics/grafana -> {status}, recorded {shown} (from grafana)"


def save_files(emulator: SlackEmulator, out: TextIO) -> None:
    """Copies of the files the bot shared, kept after the demo so you can open them."""
    files = emulator.files()
    if not files:
        return
    folder = Path(tempfile.mkdtemp(prefix="pilot-bot-demo-files-"))
    for file in files:
        (folder / Path(file.name).name).write_bytes(file.content)
    print_line(
        out,
        f"\nCopies of the {len(files)} files the bot shared (the weekly reports and charts, the"
        f" issue log, the final report) are in {folder}",
    )
