"""The domain's one error hierarchy.

Messages are shown to Slack users verbatim, so each is a single short sentence
that says what is wrong and, where it helps, the correct form.
"""

from __future__ import annotations

from collections.abc import Sequence


class DomainError(Exception):
    """A problem the user can fix; `message` is user-facing, `usage` an optional hint."""

    def __init__(
        self, message: str, *, usage: str | None = None, form_field: str | None = None
    ) -> None:
        # Slack shows this as one line, so never let a newline sneak in.
        self.message = " ".join(message.split())
        self.usage = usage
        # The form field it concerns (a modal's block id), where the form shows it inline.
        self.form_field = form_field
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class PlanError(DomainError):
    """The plan is malformed, or outside the framework without an override."""

    def __init__(
        self, message: str, *, usage: str | None = None, problems: Sequence[str] = ()
    ) -> None:
        super().__init__(message, usage=usage)
        # The individual sentences, for callers that want to render a list.
        self.problems: tuple[str, ...] = tuple(problems)


class Refusal(DomainError):
    """Well-formed input that is refused (not allowed, out of date, too late): answered in
    one line, without the command's usage."""

