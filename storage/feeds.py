"""The secrets outsiders reach a pilot with, and the calendar's event sequences.

Two secrets, kept differently. The calendar's address is a read-only secret that team
members may ask for again, so its token is kept; the metrics intake token is shown once
and kept only as its hash. Either is found by its hash (an indexed lookup that tells a
guesser nothing) and then compared in constant time.

Keyword-only functions that take the session; the caller's unit of work commits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.models import CalendarFeed, CalendarSequence, MetricsIntakeToken, Pilot

CALENDAR_TOKEN_BYTES = 32  # 256 bits: 43 URL-safe characters
INTAKE_PREFIX = "pbm_"  # recognisable in a secrets store or a leaked log


def token_hash(token: str) -> str:
    """The sha256 of a token: enough for a 256-bit random secret (no slow hash needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


# ----- the calendar's address --------------------------------------------------------------


def calendar_token(*, session: Session, pilot_id: int, user_id: str, now: datetime) -> str:
    """The pilot's calendar token, made on first use."""
    row = session.get(CalendarFeed, pilot_id)
    if row is not None:
        return row.token
    token = secrets.token_urlsafe(CALENDAR_TOKEN_BYTES)
    _upsert(session, CalendarFeed, pilot_id, token=token, token_hash=token_hash(token),
            created_by=user_id, created_at=now)
    found = session.get(CalendarFeed, pilot_id, populate_existing=True)
    assert found is not None
    return found.token  # another request's, if it made one first


def new_calendar_token(*, session: Session, pilot_id: int, user_id: str, now: datetime) -> str:
    """A new calendar token for the pilot: the old address stops working."""
    token = secrets.token_urlsafe(CALENDAR_TOKEN_BYTES)
    _upsert(session, CalendarFeed, pilot_id, replace=True, token=token,
            token_hash=token_hash(token), created_by=user_id, created_at=now)
    return token


def calendar_pilot(*, session: Session, token: str) -> Pilot | None:
    """The pilot whose calendar token this is, or None."""
    row = session.exec(
        select(CalendarFeed).where(CalendarFeed.token_hash == token_hash(token))
    ).first()
    if row is None or not hmac.compare_digest(row.token.encode(), token.encode()):
        return None
    return session.get(Pilot, row.pilot_id)


def served_sequences(
    *, session: Session, pilot_id: int, fingerprints: Mapping[str, str], now: datetime
) -> dict[str, tuple[int, datetime]]:
    """(SEQUENCE, when that version came to be) of each event (by UID), as served now: an
    event seen for the first time starts at 0; one whose fingerprint changed (it moved,
    or was cancelled) goes up by one. Two requests at once bump it once."""
    stored = {
        row.uid: row
        for row in session.exec(
            select(CalendarSequence).where(CalendarSequence.pilot_id == pilot_id)
        ).all()
    }
    for uid, fingerprint in fingerprints.items():
        row = stored.get(uid)
        if row is None:
            _insert_sequence(session, pilot_id, uid, fingerprint, now)
        elif row.fingerprint != fingerprint:
            session.exec(
                update(CalendarSequence)
                .where(
                    col(CalendarSequence.pilot_id) == pilot_id,
                    col(CalendarSequence.uid) == uid,
                    col(CalendarSequence.fingerprint) == row.fingerprint,
                )
                .values(sequence=row.sequence + 1, fingerprint=fingerprint, changed_at=now),
                execution_options={"synchronize_session": False},
            )
    rows = session.exec(
        select(CalendarSequence)
        .where(CalendarSequence.pilot_id == pilot_id)
        .execution_options(populate_existing=True)
    ).all()
    return {row.uid: (row.sequence, row.changed_at) for row in rows if row.uid in fingerprints}


def _insert_sequence(
    session: Session, pilot_id: int, uid: str, fingerprint: str, now: datetime
) -> None:
    insert = _insert(session)
    session.exec(
        insert(CalendarSequence)
        .values(pilot_id=pilot_id, uid=uid, sequence=0, fingerprint=fingerprint, changed_at=now)
        .on_conflict_do_nothing(index_elements=["pilot_id", "uid"])
    )


# ----- the metrics intake token ------------------------------------------------------------


def new_intake_token(*, session: Session, pilot_id: int, user_id: str, now: datetime) -> str:
    """A new intake token for the pilot, replacing any earlier one. The caller shows it
    once: only its hash is stored."""
    token = INTAKE_PREFIX + secrets.token_urlsafe(CALENDAR_TOKEN_BYTES)
    _upsert(session, MetricsIntakeToken, pilot_id, replace=True, token_hash=token_hash(token),
            created_by=user_id, created_at=now)
    return token


def revoke_intake_token(*, session: Session, pilot_id: int) -> bool:
    """Forget the pilot's intake token; False if it had none."""
    row = session.get(MetricsIntakeToken, pilot_id)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def intake_pilot_id(*, session: Session, token: str) -> int | None:
    """The pilot this intake token pushes to, or None."""
    wanted = token_hash(token)
    row = session.exec(
        select(MetricsIntakeToken).where(MetricsIntakeToken.token_hash == wanted)
    ).first()
    if row is None or not hmac.compare_digest(row.token_hash.encode(), wanted.encode()):
        return None
    return row.pilot_id


# ----- helpers --------------------------------------------------------------------------------


def _insert(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _upsert(
    session: Session, table: Any, pilot_id: int, *, replace: bool = False, **values: Any
) -> None:
    """INSERT the pilot's row, or (``replace``) overwrite the one it has, in one statement."""
    statement = _insert(session)(table).values(pilot_id=pilot_id, **values)
    if replace:
        statement = statement.on_conflict_do_update(index_elements=["pilot_id"], set_=values)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=["pilot_id"])
    session.exec(statement)
