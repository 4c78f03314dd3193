"""Shared by the upload tests: a pilot per channel, files to share, a delivery round."""

from __future__ import annotations

from datetime import UTC, datetime

from schedules.delivery import deliver
from storage.db import unit_of_work
from storage.files import OwedFile, owe_upload
from storage.models import OutboxMessage, Pilot
from tests.cadence_helpers import rows, slack_client
from tests.helpers import acme_plan, store_pilot

NOW = datetime(2026, 12, 14, 15, 0, tzinfo=UTC)  # Monday 10:00 in New York
REPORT = OwedFile("acme-poc-weekly-week-1.md", "Weekly report, week 1", b"# Week 1\n| a | b |\n")
CHART = OwedFile("acme-poc-week-1.png", "Week 1 chart", b"\x89PNG\r\n\x1a\nnot really", "C-1: 52%")
CSV = OwedFile("acme-poc-issues.csv", "Issue log", b"id,severity\nF-1,major\n")


def a_pilot(engine, channel: str = "C0001") -> Pilot:
    return store_pilot(engine, acme_plan(name=f"Pilot {channel}"), channel_id=channel)


def owe_files(engine, pilot: Pilot, key: str = "report:1", files=(REPORT,), **options) -> None:
    options.setdefault("comment", "Weekly report for <@U0001>")
    with unit_of_work(engine) as session:
        assert owe_upload(
            session=session, pilot=pilot, key=key, kind="report", files=files, now=NOW, **options
        )


def run(engine, emulator, now: datetime = NOW, *, timeout: float = 3, **options):
    client = slack_client(emulator, timeout=timeout)
    return deliver(engine=engine, client=client, now=now, channel_interval=0, **options)


def shared(emulator, channel: str = "C0001"):
    return emulator.files(channel)


def the_row(engine) -> OutboxMessage:
    [row] = rows(engine, kind="report")
    return row
