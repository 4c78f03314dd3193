"""What the emulator received in the chaos benchmark, against what the pilots owe."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bench.chaos_pilots import Owed
from bench.status_latency import percentile
from schedules.attempts import EVENT_TYPE
from slack_emulator.server import SlackEmulator
from storage.db import unit_of_work
from storage.models import OutboxMessage
from storage.outbox import OWED, SKIPPED

LATE_BUDGET = timedelta(seconds=60)


def arrivals(emulator: SlackEmulator) -> dict[tuple[int, str], list[datetime]]:
    """Each bot message Slack took, by (pilot id, key): when (from its ts), in order."""
    found: dict[tuple[int, str], list[datetime]] = defaultdict(list)
    for call in emulator.calls_to("chat.postMessage"):
        metadata = call.params.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        if call.ok and metadata.get("event_type") == EVENT_TYPE and "key" in payload:
            ts = float(str((call.response or {}).get("ts")))
            found[(int(payload["pilot_id"]), str(payload["key"]))].append(
                datetime.fromtimestamp(ts, UTC)
            )
    return found


def delivered_all(emulator: SlackEmulator, owed: list[Owed], engine: Engine) -> bool:
    got = arrivals(emulator)
    if any((o.pilot_id, o.key) not in got for o in owed):
        return False
    with unit_of_work(engine) as session:
        still = session.exec(
            select(OutboxMessage.id).where(col(OutboxMessage.status).in_(OWED)).limit(1)
        ).first()
    return still is None


def skipped_reasons(engine: Engine, missing: list[Owed]) -> dict[tuple[int, str], str]:
    """Of the missing messages, those the bot recorded as skipped, with the reason."""
    found = {}
    with unit_of_work(engine) as session:
        for owed in missing:
            row = session.exec(
                select(OutboxMessage).where(
                    OutboxMessage.pilot_id == owed.pilot_id, OutboxMessage.key == owed.key
                )
            ).first()
            if row is not None and row.status == SKIPPED:
                found[(owed.pilot_id, owed.key)] = row.skipped_reason
    return found


def count(
    owed: list[Owed], emulator: SlackEmulator, engine: Engine, since: datetime
) -> dict[str, Any]:
    got = arrivals(emulator)
    expected = {(o.pilot_id, o.key): o for o in owed}
    missing = [o for key, o in expected.items() if key not in got]
    skipped = skipped_reasons(engine, missing)
    late = sorted(
        ((got[key][0] - o.due).total_seconds(), o) for key, o in expected.items() if key in got
    )
    lateness = [seconds for seconds, _ in late]
    unexpected = [
        f"{pilot}/{key}"
        for (pilot, key), times in got.items()
        if (pilot, key) not in expected and times[0] >= since
    ]
    doubled = {f"{p}/{k}": len(got[(p, k)]) for (p, k) in expected if len(got.get((p, k), [])) > 1}
    return {
        "expected": len(expected),
        "expected_by_kind": dict(Counter(o.what for o in owed)),
        "delivered_once": sum(1 for key in expected if len(got.get(key, [])) == 1),
        "doubled": len(doubled),
        "doubled_examples": dict(list(doubled.items())[:10]),
        "missing": len(missing) - len(skipped),
        "missing_examples": [
            f"{o.pilot_id}/{o.key} due {o.due:%H:%M:%S}"
            for o in missing
            if (o.pilot_id, o.key) not in skipped
        ][:10],
        "skipped": len(skipped),
        "skipped_examples": [f"{p}/{k}: {why}" for (p, k), why in list(skipped.items())[:10]],
        "unexpected": len(unexpected),
        "unexpected_examples": unexpected[:10],
        "lateness_p50_s": rounded(percentile(lateness, 50)),
        "lateness_p95_s": rounded(percentile(lateness, 95)),
        "lateness_max_s": rounded(lateness[-1]) if lateness else None,
        "late_over_60s": sum(1 for s in lateness if s > LATE_BUDGET.total_seconds()),
        "latest": [f"{o.pilot_id}/{o.key} {s:.1f} s" for s, o in late[-5:]][::-1],
    }


def rounded(value: float) -> float | None:
    return None if value != value else round(value, 1)


def history_finds(logs: Path) -> int:
    """Messages a killed instance had sent but not recorded, found in Slack's history by
    the instance that took them over (instead of being posted twice): from the logs."""
    found = 0
    for log in logs.glob("instance-*.log"):
        for match in re.finditer(r"(\d+) found already posted", log.read_text(errors="replace")):
            found += int(match.group(1))
    return found
