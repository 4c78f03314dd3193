"""The scope document's versions and their sign-off: a new version each time the scope
is set or a change alters it, signed once by the decision maker. Keyword-only queries;
the caller's unit of work commits."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.core.boundaries import Boundary
from storage.counters import allocate_number
from storage.models import ScopeDocument

_COUNTER = "scope_document"


def latest_scope_document(*, session: Session, pilot_id: int) -> ScopeDocument | None:
    return session.exec(
        select(ScopeDocument)
        .where(ScopeDocument.pilot_id == pilot_id)
        .order_by(col(ScopeDocument.version).desc())
        .limit(1)
    ).first()


def scope_document(*, session: Session, pilot_id: int, version: int) -> ScopeDocument | None:
    return session.exec(
        select(ScopeDocument).where(
            ScopeDocument.pilot_id == pilot_id, ScopeDocument.version == version
        )
    ).first()


def add_scope_document(
    *,
    session: Session,
    pilot_id: int,
    scope: Mapping[Boundary, str],
    why: str,
    user_id: str,
    at: datetime,
) -> ScopeDocument:
    """The scope's next version, as ``scope`` reads now, unsigned (the counter row stays
    locked until commit, so two scope changes at once get two versions)."""
    row = ScopeDocument(
        pilot_id=pilot_id,
        version=allocate_number(session=session, pilot_id=pilot_id, name=_COUNTER),
        content=json.dumps({b.value: v for b, v in scope.items()}, sort_keys=True),
        why=why[:500],
        created_by=user_id,
        created_at=at,
    )
    session.add(row)
    session.flush()
    return row


def sign_scope_document(
    *, session: Session, document: ScopeDocument, user_id: str, role: str, at: datetime
) -> bool:
    """Sign ``document`` unless someone signed it first (a conditional UPDATE: two clicks
    at once sign it once)."""
    result = session.execute(
        update(ScopeDocument)
        .where(col(ScopeDocument.id) == document.id, col(ScopeDocument.signed_by) == "")
        .values(signed_by=user_id, signer_role=role, signed_at=at)
    )
    session.refresh(document)
    return bool(getattr(result, "rowcount", 0) == 1)


def content_of(document: ScopeDocument) -> dict[Boundary, str]:
    """The boundaries a version wrote down."""
    found = json.loads(document.content or "{}")
    return {Boundary(k): str(v) for k, v in found.items() if k in {b.value for b in Boundary}}
