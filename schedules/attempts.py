"""What delivery knows of one attempt: the row as it is sent (``Owed``), what Slack's answer
comes to (``Outcome``), what a worker hands the recording thread (``Result``), when to
try again, and a round's report. Shared by the round (schedules/delivery.py), its
uploads (schedules/uploads.py) and its Home tabs (schedules/home.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot import metrics
from storage import outbox
from storage.files import StoredFile
from storage.models import OutboxMessage
from storage.outbox import Conversation

if TYPE_CHECKING:
    from schedules.uploads import Staged

EVENT_TYPE = "pilot_bot_message"  # the metadata event type every post carries
# A lease is renewed while its worker sends (schedules/recording.py); a dead worker's
# rows are free again after at most LEASE.
LEASE = timedelta(seconds=30)
# The header every request of delivery's client carries: the emulator flags a message
# sent any other way (tests fail on it), so nothing reaches Slack around the outbox.
DELIVERY_HEADER = "X-Pilot-Bot-Delivery"
BACKOFF_FIRST = timedelta(seconds=5)
BACKOFF_MAX = timedelta(minutes=10)

# ok:false answers after which Slack may or may not have posted the message.
MAYBE_POSTED = frozenset({"internal_error", "fatal_error", "request_timeout"})
# ok:false answers that will pass: try again later, as for a 5xx (an expired token is
# rotated before the next attempt: schedules/clients.py).
TRANSIENT = frozenset(
    {"ratelimited", "service_unavailable", "team_added_to_org", "token_expired"}
)


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)  # keys Slack took this round
    found_in_history: list[str] = field(default_factory=list)  # unknown sends Slack had
    retrying: list[str] = field(default_factory=list)  # still owed, next attempt stored
    unknown: list[str] = field(default_factory=list)  # timed out: history is checked first
    failed: list[str] = field(default_factory=list)  # refused for good
    skipped: list[str] = field(default_factory=list)  # pointless before Slack took them
    rendered: list[str] = field(default_factory=list)  # uploads whose files were made
    waiting_channels: int = 0  # conversations held back behind an earlier owed message
    # Conversations owed new messages by this round (the owner told of a refusal).
    owed_meanwhile: set[Conversation] = field(default_factory=set)

    def merge(self, other: DeliveryReport) -> None:
        names = ("sent", "found_in_history", "retrying", "unknown", "failed", "skipped")
        for name in (*names, "rendered"):
            getattr(self, name).extend(getattr(other, name))
        self.waiting_channels += other.waiting_channels
        self.owed_meanwhile |= other.owed_meanwhile

    @property
    def leased(self) -> int:
        """Rows this round attempted (anything but skipped)."""
        return sum(
            len(x)
            for x in (self.sent, self.found_in_history, self.retrying, self.unknown, self.failed)
        )


@dataclass(frozen=True)
class Owed:
    """A leased row, detached from the session that read it."""

    id: int
    pilot_id: int
    key: str
    kind: str
    channel_id: str
    thread_ts: str | None
    dm_users: str  # a DM: its conversation is opened when it is sent
    method: str  # post or update
    target_ts: str | None  # an update: the message it rewrites
    payload: dict[str, Any]
    attempts: int
    # Slack may already have it: the last send timed out, or a worker holding the
    # row died mid-send (its lease ran out with no outcome).
    suspect: bool
    # Builds on a message earlier in the same batch (``after_key``): its ts is filled in
    # once that one is sent.
    after_in_batch: str = ""
    due_at: datetime | None = None
    files: tuple[StoredFile, ...] = ()  # an upload's files (schedules/uploads.py)
    team_id: str = ""  # the installation whose token sends it

    @classmethod
    def of(
        cls, row: OutboxMessage, built_on: OutboxMessage | None = None, in_batch: bool = False
    ) -> Owed:
        """The row as it is sent; ``built_on``: the sent message its ``after_key`` names
        (``in_batch``: that message goes earlier in this batch)."""
        assert row.id is not None
        owed = cls(
            id=row.id,
            pilot_id=row.pilot_id,
            key=row.key,
            kind=row.kind,
            channel_id=row.channel_id,
            thread_ts=row.thread_ts,
            dm_users=row.dm_users,
            method=row.method,
            target_ts=row.target_ts,
            payload=outbox.payload_of(row),
            attempts=row.attempts,
            suspect=row.status == outbox.UNKNOWN or bool(row.claimed_by),
            after_in_batch=row.after_key if in_batch else "",
            due_at=row.due_at,
            team_id=row.team_id,
        )
        if built_on is not None and built_on.sent_ts:
            owed = owed.built_on(built_on.sent_ts, built_on.thread_ts, built_on.channel_id)
        return owed

    def built_on(self, ts: str, thread_ts: str | None, channel_id: str | None = None) -> Owed:
        """This row once the message it builds on is in Slack as ``ts`` (in ``thread_ts``,
        in ``channel_id``): an update rewrites it, a channel post joins its thread."""
        if self.method == outbox.UPDATE:
            return replace(
                self, target_ts=ts, channel_id=channel_id or self.channel_id, after_in_batch=""
            )
        if self.dm_users or self.thread_ts:
            return replace(self, after_in_batch="")
        return replace(self, thread_ts=thread_ts or ts, after_in_batch="")


@dataclass(frozen=True)
class Outcome:
    kind: str  # sent, history, retry, unknown, failed
    ts: str = ""
    error: str = ""
    retry_at: datetime | None = None

    @property
    def holds_channel(self) -> bool:
        """The channel's later messages must wait for this one."""
        return self.kind in ("retry", "unknown")


@dataclass(frozen=True)
class Result:
    """What a worker hands the recording thread: an outcome, or rows to give back."""

    owed: Owed | None = None
    outcome: Outcome | None = None
    release: tuple[int, ...] = ()
    staged: Staged | None = None  # an upload's file ids, to record before sharing


def status_and_code(error: SlackApiError) -> tuple[int, str]:
    status = int(error.response.status_code)
    return status, str(error.response.get("error") or f"http_{status}")


def retry_at(error: SlackApiError, owed: Owed, now: datetime) -> datetime:
    if error.response.status_code == 429:
        return now + timedelta(seconds=retry_after(error.response.headers))
    return backoff(owed, now)


def count_skipped(report: DeliveryReport, row: OutboxMessage) -> None:
    report.skipped.append(row.key)
    metrics.MESSAGES.labels("skipped", row.kind).inc()


def backoff(owed: Owed, now: datetime) -> datetime:
    delay = BACKOFF_FIRST * (2 ** min(owed.attempts, 10))
    return now + min(delay, BACKOFF_MAX)


def retry_after(headers: Any) -> int:
    value = None
    if headers:
        value = next((v for k, v in dict(headers).items() if k.lower() == "retry-after"), None)
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(1, int(str(value)))
    except (TypeError, ValueError):
        return 30  # Slack's usual Retry-After when the header is missing


def describe(error: BaseException) -> str:
    reason = getattr(error, "reason", None)
    text = str(reason if reason is not None else error) or type(error).__name__
    return f"{type(error).__name__}: {text}"[:500]
