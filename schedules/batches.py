"""Work over many rows, a transaction per batch, without one bad row stopping the rest."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from storage.db import unit_of_work

log = logging.getLogger(__name__)

R = TypeVar("R")


def in_batches(
    ids: Sequence[int],
    *,
    engine: Engine,
    batch: int,
    work: Callable[[Session, list[int]], R],
    merge: Callable[[R], None],
    failed: list[int],
    label: str,
    noun: str,
) -> None:
    """Run ``work`` on ``batch`` ids per transaction and ``merge`` what it committed.

    A batch that raises is redone one id at a time, so one row that spoils the
    transaction costs only itself: its due time did not move, so the next round tries
    it again and nothing is lost. Ids that still fail are appended to ``failed``.
    """
    for start in range(0, len(ids), batch):
        chunk = list(ids[start : start + batch])
        try:
            with unit_of_work(engine) as session:
                staged = work(session, chunk)
            merge(staged)  # committed
            continue
        except Exception:
            if len(chunk) > 1:
                log.warning("%s: a batch of %d %ss failed; one by one now", label, len(chunk), noun)
            else:
                log.exception("%s: %s %s failed; the other %ss go on", label, noun, chunk[0], noun)
                failed.append(chunk[0])
                continue
        for one in chunk:
            try:
                with unit_of_work(engine) as session:
                    staged = work(session, [one])
                merge(staged)
            except Exception:
                log.exception("%s: %s %s failed; the other %ss go on", label, noun, one, noun)
                failed.append(one)
