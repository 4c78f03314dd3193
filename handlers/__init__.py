"""Thin Slack listeners, grouped by surface; ``register_all`` wires them to an app."""

from __future__ import annotations

from slack_bolt import App

from handlers import (
    answers,
    change,
    checkins,
    commands,
    create,
    docs,
    flags,
    home,
    installation,
    notes,
    phase,
    ramp,
    replays,
    review,
    signoff,
)


def register_all(app: App) -> None:
    # The one error path answers what fails outside a listener too (replacing the
    # handler bot.app installs, which only the benchmarks' own listeners still use).
    app.error(answers.bolt_error)
    commands.register(app)
    replays.register(app)  # after commands: it skips the requests that only read
    home.register(app)
    change.register(app)
    create.register(app)
    review.register(app)
    ramp.register(app)
    phase.register(app)
    checkins.register(app)
    flags.register(app)
    installation.register(app)
    docs.register(app)
    signoff.register(app)
    notes.register(app)
