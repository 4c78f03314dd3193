"""What a database failure is called outside storage: code that must survive one (the
replay guard, which then lets the request through to be refused by the database) catches
``DatabaseError`` without importing SQLAlchemy."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError as DatabaseError

__all__ = ["DatabaseError"]
