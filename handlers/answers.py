"""The one error path: whatever goes wrong in a listener becomes one answer to the person
who asked, never a stack trace.

- A domain error (bot.core.errors) is the user's own one-line answer: ephemeral, or in a
  modal the inline error on the field it concerns. A command's malformed input also gets
  the command's usage (or the form a UsageError names); a refusal does not.
- Anything else is a bug of ours: logged with a reference id, which a polite apology
  quotes so a user's report can be matched to the traceback.
- The apology knows whether the listener's unit of work (``work``) committed: "nothing
  was changed" only when nothing was.

``guarded`` wraps every listener; ``bolt_error`` answers what fails before one runs.
"""

from __future__ import annotations

import functools
import json
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.error import BoltUnhandledRequestError
from slack_sdk.errors import SlackApiError

from bot import blocks
from bot.app import Services
from bot.blocks import Reply, apology, section
from bot.blocks.forms import answer_modal
from bot.core.errors import DomainError, Refusal
from bot.core.grammar import UsageError
from storage.db import Session, unit_of_work
from storage.work import owes_messages, wrote

log = logging.getLogger(__name__)

MODAL_ERROR_LIMIT = 2000  # Slack refuses a longer inline error


@dataclass
class Outcome:
    """What the listener under way has committed so far."""

    saved: bool = False
    owed: bool = False


_OUTCOME: ContextVar[Outcome | None] = ContextVar("pilot_bot_outcome", default=None)


@contextmanager
def work(services: Services, *, wake: bool = True) -> Iterator[Session]:
    """A listener's unit of work (``Services.work``), noted once it commits, so that an
    answer failing afterwards says the change was saved. ``wake=False``: delivery is not
    woken, and what it owes waits for the scheduler (a burst of team changes, say,
    coalesces into one canvas edit)."""
    with services.work() if wake else unit_of_work(services.engine) as session:
        yield session
        saved, owed = wrote(session), owes_messages(session)
    outcome = _OUTCOME.get()
    if outcome is not None:
        outcome.saved = outcome.saved or saved
        outcome.owed = outcome.owed or owed


def slack_error_code(error: SlackApiError) -> str:
    response = error.response
    code = response.get("error") if hasattr(response, "get") else None
    return str(code or f"http_{getattr(response, 'status_code', '?')}")


def answer_for(error: BaseException, outcome: Outcome, *, usage: str | None = None) -> Reply:
    """What the person is told when ``error`` ended their request."""
    if isinstance(error, DomainError):
        if isinstance(error, UsageError):  # it names the right form (one setting's, say)
            usage = error.usage
        if usage and not isinstance(error, Refusal):
            return blocks.usage_reply(error.message, usage)
        return Reply(error.message, [section(error.message)])
    if isinstance(error, SlackApiError):
        # Slack's word on the answer (an expired trigger, say): not a bug of ours.
        log.warning("Slack API error while answering: %s", slack_error_code(error))
        return _apology(None, outcome)
    reference = uuid.uuid4().hex[:8]
    log.error(
        "listener failed (reference %s)",
        reference,
        exc_info=error,
        extra={"reference": reference},
    )
    return _apology(reference, outcome)


def _apology(reference: str | None, outcome: Outcome) -> Reply:
    if not outcome.saved:
        return apology(reference)
    suffix = f" (reference {reference})" if reference else ""
    follows = "; the announcement will follow" if outcome.owed else ""
    text = (
        ":warning: Sorry, something went wrong on our side after your change was saved"
        f"{suffix}{follows}."
    )
    return Reply(text=text, blocks=[section(text)])


def guarded(listener: Callable[..., None] | None = None, *, field: str | None = None) -> Any:
    """Wrap a listener in the one error path. ``field``: for a modal's submission, the
    block that shows an error when the error names none (else the form's first input)."""

    def wrap(inner: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(inner)
        def wrapper(**kwargs: Any) -> None:
            ack = kwargs.get("ack")
            acked = False

            def tracking_ack(*args: Any, **ack_kwargs: Any) -> Any:
                nonlocal acked
                acked = True
                return ack(*args, **ack_kwargs) if ack else None

            if ack is not None:
                kwargs["ack"] = tracking_ack
            outcome = Outcome()
            token = _OUTCOME.set(outcome)
            try:
                inner(**kwargs)
            except Exception as error:
                reply = answer_for(error, outcome, usage=_command_usage(kwargs))
                view = kwargs.get("view")
                where = ""
                if view is not None:
                    where = getattr(error, "form_field", None) or field or _first_input(view)
                if where and not acked and ack is not None:
                    _show_in_form(ack, where, reply)
                elif view is not None and not acked and ack is not None:
                    _answer_in_form(ack, reply)  # a form with no field to show it beside
                else:
                    _tell(kwargs, acked, reply)
            finally:
                _OUTCOME.reset(token)

        return wrapper

    return wrap if listener is None else wrap(listener)


def _command_usage(kwargs: dict[str, Any]) -> str | None:
    """A `/pilot` command's usage, which answers its malformed input."""
    context = kwargs.get("context") or {}
    parsed = context.get("pilot_parsed") if kwargs.get("command") is not None else None
    return parsed.spec.usage if parsed is not None else None


def _first_input(view: dict[str, Any]) -> str:
    values = (view.get("state") or {}).get("values") or {}
    return next(iter(values), "")


def _show_in_form(ack: Callable[..., Any], block_id: str, reply: Reply) -> None:
    try:
        ack(response_action="errors", errors={block_id: reply.text[:MODAL_ERROR_LIMIT]})
    except Exception:
        log.warning("could not show an error in the form", exc_info=False)


def _answer_in_form(ack: Callable[..., Any], reply: Reply) -> None:
    # A submission's ack takes a response_action, never a message: the form becomes the
    # answer instead.
    try:
        ack(response_action="update", view=answer_modal("Not done", reply.blocks))
    except Exception:
        log.warning("could not answer in the form", exc_info=False)


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


def bolt_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
    """What fails outside a listener (no listener for the request, a middleware's bug)."""
    if isinstance(error, BoltUnhandledRequestError):
        log.debug("no listener for this request; answered 200 so Slack does not retry it")
        return BoltResponse(status=200, body="")
    # The person still gets an answer (a 500 would show them Slack's own error), and an
    # event a 200, so Slack does not retry it into the same bug.
    reply = answer_for(error, Outcome())
    if body.get("type") == "event_callback":
        return BoltResponse(status=200, body="")
    return BoltResponse(
        status=200,
        body=json.dumps({"response_type": "ephemeral", "text": reply.text}),
        headers={"content-type": "application/json"},
    )
