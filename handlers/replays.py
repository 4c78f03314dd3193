"""Replays refused: a signed command or click sent again within Slack's 5-minute window.

Bolt checks each request's signature and timestamp, but a request captured and sent
again within the window passes that check. A command or click that changes something
is acted on once per signature: the signature is recorded in the database (so this
holds across instances) and a second sighting gets 401. Requests answered from the
record alone (`/pilot status`, `help`, `plan`, ...) skip the check, so the hot path
pays no write; events are guarded by their ``event_id`` instead (Slack's own retries
of an event carry a new signature and the same id).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from storage.db import unit_of_work
from storage.errors import DatabaseError
from storage.requests import first_sighting

log = logging.getLogger(__name__)


class RefuseReplays(Middleware):
    """Global middleware: a request that acts is let through once per signature (a
    Middleware subclass: Bolt calls it without building arguments, see bot/app.py)."""

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        body, context = req.body, req.context
        acts = "command" in body or body.get("type") in ("block_actions", "view_submission")
        signature = (req.headers.get("x-slack-signature") or [""])[0]
        if not acts or not signature or context.get("answered_in_ack"):
            return next()
        services = context["services"]
        try:
            with unit_of_work(services.engine) as session:
                first = first_sighting(
                    session=session, signature=signature, at=services.clock.now()
                )
        except DatabaseError as error:  # the database takes no writes: nor will the listener,
            log.warning("could not record a request's signature: %s", type(error).__name__)
            first = True  # which then answers that nothing was changed
        if first:
            return next()
        log.warning("refused a replayed request (its signature was seen in the last 5 minutes)")
        return BoltResponse(status=401, body={"error": "replayed request"})


def register(app: App) -> None:
    app.use(RefuseReplays())
