"""How a listener answers: a typed reply and one guard against stack traces."""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.blocks import Reply, apology
from bot.core.errors import DomainError

log = logging.getLogger(__name__)


def slack_error_code(error: SlackApiError) -> str:
    response = error.response
    code = response.get("error") if hasattr(response, "get") else None
    return str(code or f"http_{getattr(response, 'status_code', '?')}")


def guarded(listener: Callable[..., None]) -> Callable[..., None]:
    """Turn any failure inside a listener into a short apology, never a trace.

    Domain errors carry their own user-facing sentence; Slack API errors are logged
    with their error code; anything else gets a correlation id in the log that the
    apology quotes, so a user's report can be matched to the traceback.
    """

    @functools.wraps(listener)
    def wrapper(**kwargs: Any) -> None:
        ack = kwargs.get("ack")
        acked = False

        def tracking_ack(*args: Any, **ack_kwargs: Any) -> Any:
            nonlocal acked
            acked = True
            return ack(*args, **ack_kwargs) if ack else None

        if ack is not None:
            kwargs["ack"] = tracking_ack
        try:
            listener(**kwargs)
        except DomainError as error:
            _tell(kwargs, acked, Reply(error.message if hasattr(error, "message") else str(error)))
        except SlackApiError as error:
            # Slack's word on the answer (an expired trigger, say): not a bug of ours.
            log.warning("Slack API error while answering: %s", slack_error_code(error))
            _tell(kwargs, acked, apology())
        except Exception:
            correlation = uuid.uuid4().hex[:8]
            log.exception(
                "listener failed (reference %s)", correlation, extra={"reference": correlation}
            )
            _tell(kwargs, acked, apology(correlation))

    return wrapper


def _tell(kwargs: dict[str, Any], acked: bool, reply: Reply) -> None:
    """Answer in the ack if it is still open, else through response_url."""
    ack, respond = kwargs.get("ack"), kwargs.get("respond")
    try:
        if not acked and ack is not None:
            ack(response_type="ephemeral", **reply.message())
        elif respond is not None:
            respond(response_type="ephemeral", replace_original=False, **reply.message())
    except Exception:
        # No answer can reach them (no response_url, or it expired): nothing more to do.
        log.warning("could not tell the user about an error", exc_info=False)
