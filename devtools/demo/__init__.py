"""`pilot-bot demo`: the real bot against the Slack emulator, playing a scripted pilot.

Nothing here is faked but Slack itself: the bot is served over HTTP by the same
server as `pilot-bot serve`, requests are signed as Slack signs them, and the
database is a temporary SQLite file. The clock is a FakeClock the script moves.

``script`` is the story, ``play`` plays it, ``printing`` tells it, ``outside`` is what
reaches the bot from outside Slack (a calendar app, Grafana) and the files it leaves.
"""

from devtools.demo.play import run_demo

__all__ = ["run_demo"]
