"""Uploads through delivery: files shared in one message, each file exactly once.

Delivery (schedules/delivery.py) queues, leases, paces (an upload counts as a post) and
records an upload as it does a post; this module does what differs.

Sending (``upload_one``, on a worker thread, which never touches the database):

1. ``files.getUploadURLExternal`` for each file (filename, length, alt_txt);
2. the file ids go to the recording thread (``Staged``), which records them while the
   row's lease is still this round's and commits; only then
3. the stored bytes go to each upload URL (a plain HTTP POST), and
4. ``files.completeUploadExternal`` shares them all in one message, with the comment,
   in the channel (or thread).

After an unknown outcome of step 4 (a timeout, a 500/504, ``internal_error``), or a
worker that died mid-send, the next attempt first asks ``files.info`` whether the first
file is shared in the channel: if so the row is sent, without completing again; if
Slack does not know the file (never completed, or the upload expired) it starts over,
with new upload URLs and the same bytes. A step that fails before step 4 shared nothing,
so it is simply tried again later (Retry-After for a 429); other refusals
(``not_in_channel``, ``channel_not_found``, ...) fail the row as they fail a post.

Rendering (``render_due``): an upload owed with ``render`` arguments instead of files
holds its conversation's queue until its files are rendered, by the renderer of its
kind (``RENDERERS``), in a full delivery round, outside any write transaction and
within a time budget per round (at least one render). The row is leased while it is
rendered, so two instances render it once, and the files are stored only if the row
was still unrendered. A renderer that raises is logged and tried again with backoff; a
renderer that answers a reason skips the row with it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from schedules.attempts import (
    DELIVERY_HEADER,
    LEASE,
    MAYBE_POSTED,
    TRANSIENT,
    DeliveryReport,
    Outcome,
    Owed,
    Result,
    backoff,
    count_skipped,
    describe,
    retry_after,
    retry_at,
    status_and_code,
)
from schedules.review_files import KIND as REVIEW_FILES
from schedules.review_files import render_review_files
from storage import files, leases, outbox
from storage.db import read_session, unit_of_work
from storage.files import OwedFile, StoredFile
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

# (session, row, now) -> (comment, files), or a reason to skip the row. The session only
# reads; the row's ``render`` arguments are ``render_args(row)``.
Renderer = Callable[[Session, OutboxMessage, datetime], tuple[str, list[OwedFile]] | str]
RENDERERS: dict[str, Renderer] = {  # by the row's kind
    REVIEW_FILES: render_review_files,  # a weekly review's chart and report
}

RENDER_BUDGET = 1.0  # seconds of rendering in a delivery round (the rest wait a round)
RENDER_BATCH = 100  # rows looked at per round
# A shared file appears in files.info a moment after files.completeUploadExternal: a
# file Slack knows but shows unshared is looked at this many attempts before starting over.
SHARE_CHECKS = 3
# complete answers after which nothing was shared and a new upload is the way on.
_START_OVER = frozenset({"file_not_found"})


def render_args(message: OutboxMessage) -> dict[str, Any]:
    """The ``render`` arguments an upload was owed with."""
    value = json.loads(message.payload or "{}").get("render")
    return value if isinstance(value, dict) else {}


# ----- rendering (the round's own thread, before leasing) ----------------------------------


def render_due(
    engine: Engine,
    now: datetime,
    me: str,
    report: DeliveryReport,
    *,
    budget: float = RENDER_BUDGET,
    lease: timedelta = LEASE,
) -> None:
    """Render the due uploads whose files are not made yet, for ``budget`` seconds."""
    if not RENDERERS:
        return
    with unit_of_work(engine) as session:
        due = files.unrendered(session=session, now=now, kinds=list(RENDERERS), limit=RENDER_BATCH)
    started, done = time.monotonic(), 0
    for row in due:
        if done and time.monotonic() - started >= budget:
            break  # the next round renders the rest
        if _render_one(engine, row, now, me, report, lease):
            done += 1


def _render_one(
    engine: Engine,
    row: OutboxMessage,
    now: datetime,
    me: str,
    report: DeliveryReport,
    lease: timedelta,
) -> bool:
    """Render one row under a lease; False if another instance has it (or had it)."""
    assert row.id is not None
    with unit_of_work(engine) as session:
        if not leases.claim(session=session, ids=[row.id], worker=me, now=now, until=now + lease):
            return False
        if files.files_of(session=session, message_ids=[row.id]):
            leases.release(session=session, ids=[row.id], worker=me)
            return False  # rendered since it was read
    try:
        with read_session(engine) as session:
            made = RENDERERS[row.kind](session, row, now)
        if not isinstance(made, str):
            files.checked(made[1])
    except Exception as error:
        log.exception("delivery: rendering %s (pilot %s) failed", row.key, row.pilot_id)
        with unit_of_work(engine) as session:
            leases.mark_retry(
                session=session,
                message_id=row.id,
                worker=me,
                at=backoff(Owed.of(row), now),
                error=f"rendering failed: {describe(error)}",
            )
        report.retrying.append(row.key)
        return True
    with unit_of_work(engine) as session:
        if isinstance(made, str):
            leases.release(session=session, ids=[row.id], worker=me)
            if outbox.skip_owed(session=session, message_id=row.id, now=now, reason=made):
                log.info("delivery: skipped %s (pilot %s): %s", row.key, row.pilot_id, made)
                count_skipped(report, row)
            return True
        comment, owed = made
        if files.store_rendered(session=session, message=row, comment=comment, files=owed):
            report.rendered.append(row.key)
        leases.release(session=session, ids=[row.id], worker=me)
    return True


# ----- leasing (in delivery's leasing transaction) -----------------------------------------


def rendered(
    session: Session, ready: list[OutboxMessage], stored: dict[int, tuple[StoredFile, ...]]
) -> list[OutboxMessage]:
    """The prefix of ``ready`` before its first upload whose files are not rendered yet
    (which holds the conversation's queue, like any owed head); ``stored`` gets the
    files of the uploads kept."""
    wanted = [row.id for row in ready if row.method == outbox.UPLOAD and row.id is not None]
    if not wanted:
        return ready
    found = files.files_of(session=session, message_ids=wanted)
    kept: list[OutboxMessage] = []
    for row in ready:
        if row.method == outbox.UPLOAD:
            if row.id not in found:
                break
            stored[row.id] = found[row.id]
        kept.append(row)
    return kept


# ----- sending (a worker thread: Slack only) -----------------------------------------------


@dataclass(eq=False)
class Staged:
    """File ids a worker hands the recording thread before it may share the files; the
    recording thread sets ``held`` once they are committed with the lease still the
    worker's, then ``done``."""

    message_id: int
    file_ids: tuple[tuple[int, str], ...]  # (position, Slack's file id)
    held: bool = False
    done: threading.Event = field(default_factory=threading.Event)


def upload_one(
    client: WebClient, owed: Owed, now: datetime, emit: Callable[[Result], None]
) -> Outcome:
    """Share ``owed``'s files in one message (see the module docstring)."""
    if not owed.files:  # not rendered: delivery leases no such row
        return Outcome("retry", error="no files to upload", retry_at=backoff(owed, now))
    if owed.suspect and owed.files[0].file_id:
        found = _already_shared(client, owed, now)
        if found is not None:
            return found
    urls: list[tuple[str, str]] = []  # (upload URL, file id), per file
    for file in owed.files:
        try:
            answer = client.files_getUploadURLExternal(
                filename=file.filename, length=len(file.content), alt_txt=file.alt_txt or None
            )
        except SlackApiError as error:
            return _refused(error, owed, now)
        except Exception as error:  # nothing is shared before step 4: try again later
            return Outcome("retry", error=describe(error), retry_at=backoff(owed, now))
        urls.append((str(answer["upload_url"]), str(answer["file_id"])))
    pairs = zip(owed.files, urls, strict=True)
    staged = Staged(owed.id, tuple((file.position, file_id) for file, (_, file_id) in pairs))
    emit(Result(staged=staged))
    if not staged.done.wait(LEASE.total_seconds()) or not staged.held:
        # Not recorded, or the row is someone else's now: share nothing.
        return Outcome("retry", error="file ids not recorded", retry_at=backoff(owed, now))
    for file, (url, _) in zip(owed.files, urls, strict=True):
        problem = _send_bytes(url, file, owed, now, timeout=float(client.timeout))
        if problem is not None:
            return problem
    return _complete(client, owed, now, [file_id for _, file_id in urls])


def _refused(error: SlackApiError, owed: Owed, now: datetime) -> Outcome:
    status, code = status_and_code(error)
    if status == 429 or status >= 500 or code in TRANSIENT | MAYBE_POSTED:
        return Outcome("retry", error=code, retry_at=retry_at(error, owed, now))
    return Outcome("failed", error=code)


def _send_bytes(
    url: str, file: StoredFile, owed: Owed, now: datetime, *, timeout: float
) -> Outcome | None:
    """POST the bytes to the upload URL; an outcome if that failed (nothing is shared)."""
    if not url.startswith(("https://", "http://")):
        return Outcome("failed", error=f"upload URL is not HTTP: {url[:80]}")
    request = Request(  # noqa: S310 (an http(s) URL, checked above)
        url,
        data=file.content,
        method="POST",
        headers={"Content-Type": "application/octet-stream", DELIVERY_HEADER: "1"},
    )
    try:
        with urlopen(request, timeout=timeout) as answer:  # noqa: S310
            answer.read()
    except HTTPError as error:
        at = (
            now + timedelta(seconds=retry_after(error.headers))
            if error.code == 429
            else backoff(owed, now)
        )
        return Outcome("retry", error=f"upload_http_{error.code}", retry_at=at)
    except Exception as error:  # refused, reset or timed out
        return Outcome("retry", error=describe(error), retry_at=backoff(owed, now))
    return None


def _complete(client: WebClient, owed: Owed, now: datetime, file_ids: list[str]) -> Outcome:
    comment = str(owed.payload.get("comment") or "")
    try:
        client.files_completeUploadExternal(
            files=[{"id": i, "title": f.title} for f, i in zip(owed.files, file_ids, strict=True)],
            channel_id=owed.channel_id,
            thread_ts=owed.thread_ts or None,
            initial_comment=comment or None,
        )
    except SlackApiError as error:
        status, code = status_and_code(error)
        if status in (500, 504) or code in MAYBE_POSTED:
            return Outcome("unknown", error=code, retry_at=backoff(owed, now))
        if status == 429 or status >= 500 or code in TRANSIENT | _START_OVER:
            return Outcome("retry", error=code, retry_at=retry_at(error, owed, now))
        return Outcome("failed", error=code)
    except URLError as error:  # while connecting or sending: Slack did not get it
        return Outcome("retry", error=describe(error), retry_at=backoff(owed, now))
    except Exception as error:  # a timeout waiting for the answer: it may be shared
        return Outcome("unknown", error=describe(error), retry_at=backoff(owed, now))
    return Outcome("sent")  # the share's ts is not in the answer (nothing threads on it)


def _already_shared(client: WebClient, owed: Owed, now: datetime) -> Outcome | None:
    """Whether an earlier attempt shared the files: an outcome if it did (or if that
    cannot be told yet), None to start over."""
    first = owed.files[0]
    try:
        info = client.files_info(file=first.file_id)
    except SlackApiError as error:
        status, code = status_and_code(error)
        if code == "file_not_found":
            return None  # never completed, or the upload expired
        if status == 429 or status >= 500 or code in MAYBE_POSTED | TRANSIENT:
            return Outcome("unknown", error=code, retry_at=retry_at(error, owed, now))
        # files.info is out of reach (missing_scope, say): upload rather than never.
        log.warning(
            "delivery: cannot ask Slack whether %s was shared (%s); uploading it again",
            owed.key,
            code,
        )
        return None
    except Exception as error:
        return Outcome("unknown", error=describe(error), retry_at=backoff(owed, now))
    ts = share_ts(info.get("file") or {}, owed.channel_id, owed.thread_ts)
    if ts is not None:
        return Outcome("history", ts=ts)
    if owed.attempts < SHARE_CHECKS:
        return Outcome("unknown", error="not shared yet", retry_at=backoff(owed, now))
    return None


def share_ts(file: dict[str, Any], channel: str, thread_ts: str | None) -> str | None:
    """The ts of ``file``'s share in ``channel`` as files.info shows it (the one in
    ``thread_ts`` first), or None if it is not shared there."""
    shares = file.get("shares") or {}
    found = [
        entry
        for scope in ("public", "private")
        for entry in (shares.get(scope) or {}).get(channel) or []
    ]
    if not found:
        return None
    best = next((e for e in found if thread_ts and e.get("thread_ts") == thread_ts), found[0])
    return str(best.get("ts") or "")


# ----- recording (the round's own thread) --------------------------------------------------


def commit_staged(engine: Engine, results: list[Result], worker: str) -> None:
    """Record the file ids workers staged, then let them go on (``Staged.held``)."""
    staged = [result.staged for result in results if result.staged is not None]
    if not staged:
        return
    try:
        with unit_of_work(engine) as session:
            held = [
                files.record_file_ids(
                    session=session, message_id=s.message_id, worker=worker, file_ids=s.file_ids
                )
                for s in staged
            ]
        for item, kept in zip(staged, held, strict=True):
            item.held = kept
    except Exception:
        log.exception("delivery: could not record the file ids of %d upload(s)", len(staged))
    finally:
        for item in staged:
            item.done.set()
