"""What Slack refuses: Block Kit and message limits, checked as Slack checks them.

:func:`message_problem` checks a ``chat.postMessage`` / ``chat.postEphemeral`` /
``chat.update`` call or a response_url post, :func:`view_problem` the ``view`` of
``views.open`` / ``views.push`` / ``views.update`` / ``views.publish``. Each returns a
:class:`PayloadProblem` (the error Slack answers, with its detail) or None.

Slack answers, for a message:

- top-level ``text`` over 40,000 characters: ``msg_too_long``;
- blocks that break a rule: ``invalid_blocks`` with ``errors: ["<rule> [json-pointer:...]"]``
  and ``response_metadata.messages: ["[ERROR] <rule> [json-pointer:...]"]``;

and for a view: ``invalid_arguments`` with ``response_metadata.messages`` (``[ERROR] failed
to match all allowed schemas [json-pointer:/view]``, then one line per broken rule).

The checks are the documented limits (https://api.slack.com/reference/block-kit/blocks,
.../block-elements, .../composition-objects, https://api.slack.com/reference/surfaces/views)
that are easy to break with dynamic content: blocks per message (50) and per view (100),
text lengths (section 3,000, field 2,000, header 150, button 75, option 75/150, label and
hint 2,000, placeholder 150, view title/submit/close 24), counts (fields 10, context
elements 10, actions elements 25, options 100), ids (``block_id`` / ``action_id`` 255, a
``block_id`` unique in its message or view, an ``action_id`` unique in its block),
``private_metadata`` 3,000, ``callback_id`` 255, text objects of the right type and not
empty. Every block is then also given to ``slack_sdk.models`` (``Block.parse(...)`` and its
validators), which knows more block and element types.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from slack_sdk.models.blocks import Block

from slack_emulator.calls import Call
from slack_emulator.workspace import SlackError

MAX_MESSAGE_TEXT = 40_000
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_ID = 255  # block_id, action_id, callback_id, external_id
MAX_PRIVATE_METADATA = 3_000
MAX_VIEW_BUTTON = 24  # view title, submit, close
MAX_SECTION_TEXT = 3_000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2_000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2_000
MAX_URL = 3_000
MAX_ALT_TEXT = 2_000
MAX_LABEL = 2_000  # input label and hint, image title
MAX_PLACEHOLDER = 150
MAX_OPTION_TEXT = 75  # option text and description
MAX_OPTION_VALUE = 150
MAX_OPTIONS = 100  # static selects (options or option_groups)
MAX_CHOICES = 10  # radio_buttons, checkboxes
MAX_OVERFLOW_OPTIONS = 5
MAX_INPUT_LENGTH = 3_000  # plain_text_input min_length / max_length
MAX_CONFIRM_TITLE = 100
MAX_CONFIRM_TEXT = 300
MAX_CONFIRM_BUTTON = 30

TEXT_TYPES = ("plain_text", "mrkdwn")
PLAIN = ("plain_text",)
SELECTS_WITH_OPTIONS = frozenset({"static_select", "multi_static_select"})
SELECTS = frozenset({"static_select", "multi_static_select", "external_select",
                     "multi_external_select", "users_select", "multi_users_select",
                     "conversations_select", "multi_conversations_select",
                     "channels_select", "multi_channels_select"})
WITH_PLACEHOLDER = SELECTS | {"plain_text_input", "datepicker", "timepicker", "number_input",
                              "email_text_input", "url_text_input", "rich_text_input"}

_log = logging.getLogger(__name__)


def _block_types() -> frozenset[str]:
    """The block types ``slack_sdk``'s ``Block.parse`` knows (others it skips, with a
    warning in the log: those are left alone here)."""

    names: set[str] = set()
    pending: list[type[Any]] = [Block]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        name = getattr(cls, "type", None)
        if isinstance(name, str):
            names.add(name)
    return frozenset(names)


SDK_BLOCK_TYPES = _block_types()


@dataclass(frozen=True)
class PayloadProblem:
    """Why Slack refuses a payload: the ``error`` code and the detail lines, each ending
    with ``[json-pointer:...]`` (without the ``[ERROR]`` prefix)."""

    error: str
    messages: tuple[str, ...] = ()

    def extra(self) -> dict[str, Any]:
        """The fields Slack adds to ``{"ok": false, "error": ...}``."""
        if not self.messages:
            return {}
        shown = {"response_metadata": {"messages": [f"[ERROR] {m}" for m in self.messages]}}
        if self.error == "invalid_blocks":
            return {"errors": list(self.messages), **shown}
        return shown

    def answer(self) -> dict[str, Any]:
        """The whole ``ok: false`` answer."""
        return {"ok": False, "error": self.error, **self.extra()}

    def slack_error(self) -> SlackError:
        """As the :class:`SlackError` a method handler raises."""
        return SlackError(self.error, **self.extra())

    def __str__(self) -> str:
        return "; ".join([self.error, *self.messages])


# ----- the public checks ---------------------------------------------------------------------


def message_problem(params: Mapping[str, Any]) -> PayloadProblem | None:
    """What Slack refuses in a message (``text``, ``blocks``), or None if it accepts it.

    Parameters that are not a text or a list of blocks at all (``invalid_blocks_format``,
    ``no_text``) are left to the method.
    """
    text = params.get("text")
    if text is not None and len(str(text)) > MAX_MESSAGE_TEXT:
        return PayloadProblem("msg_too_long")
    blocks = params.get("blocks")
    if not isinstance(blocks, list):
        return None
    check = _Check()
    check.blocks(blocks, "/blocks", MAX_MESSAGE_BLOCKS)
    return PayloadProblem("invalid_blocks", tuple(check.errors)) if check.errors else None


def view_problem(view: Any) -> PayloadProblem | None:
    """What Slack refuses in a view (modal or App Home), or None if it accepts it.

    A ``view`` that is not an object with a ``type`` is left to the method.
    """
    if not isinstance(view, Mapping) or not view.get("type"):
        return None
    check = _Check()
    check.view(view, "/view")
    if not check.errors:
        return None
    return PayloadProblem("invalid_arguments",
                          ("failed to match all allowed schemas [json-pointer:/view]",
                           *check.errors))


def method_problem(method: str, params: Mapping[str, Any]) -> PayloadProblem | None:
    """The check for one Web API call (None for the methods that carry no payload)."""
    if method in MESSAGE_METHODS:
        return message_problem(params)
    if method in VIEW_METHODS:
        return view_problem(params.get("view"))
    return None


MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.update",
                             "chat.scheduleMessage"})
VIEW_METHODS = frozenset({"views.open", "views.push", "views.update", "views.publish"})


# ----- the walk ------------------------------------------------------------------------------


def _too_long(limit: int) -> str:
    return f"must be less than {limit + 1} characters"


class _Check:
    """Walks a payload and collects Slack-style error lines."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, rule: str, pointer: str) -> None:
        self.errors.append(f"{rule} [json-pointer:{pointer}]")

    def missing(self, pointer: str) -> None:
        """A required field is absent: ``missing required field: <name>``."""
        self.fail(f"missing required field: {pointer.rsplit('/', 1)[-1]}", pointer)

    # ----- plain values ---------------------------------------------------------------------

    def string(self, value: Any, pointer: str, limit: int, *, required: bool = False,
               minimum: int = 0) -> None:
        if value is None:
            if required:
                self.missing(pointer)
            return
        if not isinstance(value, str):
            self.fail("must be a string", pointer)
        elif len(value) > limit:
            self.fail(_too_long(limit), pointer)
        elif len(value) < minimum:
            self.fail(f"must be more than {minimum - 1} characters", pointer)

    def text(self, obj: Any, pointer: str, limit: int | None, *,
             types: tuple[str, ...] = TEXT_TYPES, required: bool = True) -> None:
        """A text object: the allowed ``type``, a ``text`` of 1 to ``limit`` characters."""
        if obj is None:
            if required:
                self.missing(pointer)
            return
        if not isinstance(obj, Mapping):
            self.fail("must be an object", pointer)
            return
        before = len(self.errors)
        if obj.get("type") not in types:
            self.fail(f"must be one of: {', '.join(types)}", f"{pointer}/type")
        text = obj.get("text")
        if not isinstance(text, str):
            if text is None:
                self.missing(f"{pointer}/text")
            else:
                self.fail("must be a string", f"{pointer}/text")
        elif limit is not None and len(text) > limit:
            self.fail(_too_long(limit), f"{pointer}/text")
        elif not text:
            self.fail("must be more than 0 characters", f"{pointer}/text")
        if len(self.errors) > before:
            self.errors.insert(before, f"failed to match all allowed schemas "
                                       f"[json-pointer:{pointer}]")

    def items(self, value: Any, pointer: str, limit: int, *, minimum: int = 1,
              required: bool = True) -> list[Any]:
        """A list of at least ``minimum`` and at most ``limit`` items ([] if it is not)."""
        if value is None:
            if required:
                self.missing(pointer)
            return []
        if not isinstance(value, list):
            self.fail("must be an array", pointer)
            return []
        if len(value) > limit:
            self.fail(f"no more than {limit} items allowed", pointer)
        elif len(value) < minimum:
            self.fail(f"no fewer than {minimum} items allowed", pointer)
        return value

    # ----- surfaces -------------------------------------------------------------------------

    def blocks(self, blocks: list[Any], pointer: str, limit: int) -> None:
        if len(blocks) > limit:
            self.fail(f"no more than {limit} items allowed", pointer)
        seen: dict[str, int] = {}
        for i, block in enumerate(blocks):
            where = f"{pointer}/{i}"
            if not isinstance(block, Mapping):
                self.fail("must be an object", where)
                continue
            block_id = block.get("block_id")
            if isinstance(block_id, str) and block_id:
                if block_id in seen:
                    self.fail(f"block_id {block_id!r} is already used by "
                              f"{pointer}/{seen[block_id]}", f"{where}/block_id")
                else:
                    seen[block_id] = i
            self.block(block, where)

    def view(self, view: Mapping[str, Any], pointer: str) -> None:
        kind = view.get("type")
        if kind not in ("modal", "home"):
            self.fail("must be one of: modal, home", f"{pointer}/type")
            return
        blocks = view.get("blocks")
        if not isinstance(blocks, list):
            if blocks is None:
                self.missing(f"{pointer}/blocks")
            else:
                self.fail("must be an array", f"{pointer}/blocks")
            blocks = []
        if kind == "modal":
            self.text(view.get("title"), f"{pointer}/title", MAX_VIEW_BUTTON, types=PLAIN)
            self.text(view.get("close"), f"{pointer}/close", MAX_VIEW_BUTTON, types=PLAIN,
                      required=False)
            has_input = any(isinstance(b, Mapping) and b.get("type") == "input"
                            for b in blocks)
            self.text(view.get("submit"), f"{pointer}/submit", MAX_VIEW_BUTTON, types=PLAIN,
                      required=has_input)
        else:
            for key in ("submit", "close"):
                if view.get(key) is not None:
                    self.fail("a home view has no submit or close", f"{pointer}/{key}")
        self.string(view.get("private_metadata"), f"{pointer}/private_metadata",
                    MAX_PRIVATE_METADATA)
        self.string(view.get("callback_id"), f"{pointer}/callback_id", MAX_ID)
        self.string(view.get("external_id"), f"{pointer}/external_id", MAX_ID)
        self.blocks(blocks, f"{pointer}/blocks", MAX_VIEW_BLOCKS)

    # ----- blocks ---------------------------------------------------------------------------

    def block(self, block: Mapping[str, Any], pointer: str) -> None:
        before = len(self.errors)
        kind = block.get("type")
        if not isinstance(kind, str) or not kind:
            self.missing(f"{pointer}/type")
            return
        self.string(block.get("block_id"), f"{pointer}/block_id", MAX_ID, minimum=1)
        checker = getattr(self, f"block_{kind}", None)
        if checker is not None:
            checker(block, pointer)
        if len(self.errors) == before:
            self.sdk(block, pointer)

    def block_section(self, block: Mapping[str, Any], pointer: str) -> None:
        text, fields = block.get("text"), block.get("fields")
        if text is None and fields is None:
            self.fail("must provide text or fields", pointer)
        self.text(text, f"{pointer}/text", MAX_SECTION_TEXT, required=False)
        for i, field in enumerate(self.items(fields, f"{pointer}/fields", MAX_FIELDS,
                                             required=False)):
            self.text(field, f"{pointer}/fields/{i}", MAX_FIELD_TEXT)
        accessory = block.get("accessory")
        if accessory is not None:
            self.element(accessory, f"{pointer}/accessory", set())

    def block_header(self, block: Mapping[str, Any], pointer: str) -> None:
        self.text(block.get("text"), f"{pointer}/text", MAX_HEADER_TEXT, types=PLAIN)

    def block_context(self, block: Mapping[str, Any], pointer: str) -> None:
        elements = self.items(block.get("elements"), f"{pointer}/elements",
                              MAX_CONTEXT_ELEMENTS)
        for i, element in enumerate(elements):
            where = f"{pointer}/elements/{i}"
            if isinstance(element, Mapping) and element.get("type") == "image":
                self.image(element, where)
            else:
                self.text(element, where, None)

    def block_actions(self, block: Mapping[str, Any], pointer: str) -> None:
        action_ids: set[str] = set()
        elements = self.items(block.get("elements"), f"{pointer}/elements",
                              MAX_ACTIONS_ELEMENTS)
        for i, element in enumerate(elements):
            self.element(element, f"{pointer}/elements/{i}", action_ids)

    def block_input(self, block: Mapping[str, Any], pointer: str) -> None:
        self.text(block.get("label"), f"{pointer}/label", MAX_LABEL, types=PLAIN)
        self.text(block.get("hint"), f"{pointer}/hint", MAX_LABEL, types=PLAIN,
                  required=False)
        element = block.get("element")
        if element is None:
            self.missing(f"{pointer}/element")
        else:
            self.element(element, f"{pointer}/element", set())

    def block_image(self, block: Mapping[str, Any], pointer: str) -> None:
        self.image(block, pointer)
        self.text(block.get("title"), f"{pointer}/title", MAX_LABEL, types=PLAIN,
                  required=False)

    def image(self, image: Mapping[str, Any], pointer: str) -> None:
        self.string(image.get("alt_text"), f"{pointer}/alt_text", MAX_ALT_TEXT, required=True,
                    minimum=1)
        if image.get("slack_file") is None:
            self.string(image.get("image_url"), f"{pointer}/image_url", MAX_URL,
                        required=True, minimum=1)

    # ----- elements -------------------------------------------------------------------------

    def element(self, element: Any, pointer: str, action_ids: set[str]) -> None:
        if not isinstance(element, Mapping):
            self.fail("must be an object", pointer)
            return
        kind = element.get("type")
        if not isinstance(kind, str) or not kind:
            self.missing(f"{pointer}/type")
            return
        action_id = element.get("action_id")
        self.string(action_id, f"{pointer}/action_id", MAX_ID, minimum=1)
        if isinstance(action_id, str) and action_id:
            if action_id in action_ids:
                self.fail(f"action_id {action_id!r} is already used in this block",
                          f"{pointer}/action_id")
            action_ids.add(action_id)
        if kind == "button":
            self.text(element.get("text"), f"{pointer}/text", MAX_BUTTON_TEXT, types=PLAIN)
            self.string(element.get("value"), f"{pointer}/value", MAX_BUTTON_VALUE)
            self.string(element.get("url"), f"{pointer}/url", MAX_URL)
            self.string(element.get("accessibility_label"), f"{pointer}/accessibility_label",
                        MAX_BUTTON_TEXT)
            style = element.get("style")
            if style is not None and style not in ("primary", "danger"):
                self.fail("must be one of: primary, danger", f"{pointer}/style")
        elif kind == "image":
            self.image(element, pointer)
        if kind in WITH_PLACEHOLDER:
            self.text(element.get("placeholder"), f"{pointer}/placeholder", MAX_PLACEHOLDER,
                      types=PLAIN, required=False)
        if kind in SELECTS_WITH_OPTIONS:
            self.select_options(element, pointer)
        elif kind in ("radio_buttons", "checkboxes"):
            for i, option in enumerate(self.items(element.get("options"),
                                                  f"{pointer}/options", MAX_CHOICES)):
                self.option(option, f"{pointer}/options/{i}", TEXT_TYPES)
        elif kind == "overflow":
            for i, option in enumerate(self.items(element.get("options"),
                                                  f"{pointer}/options",
                                                  MAX_OVERFLOW_OPTIONS, minimum=1)):
                self.option(option, f"{pointer}/options/{i}", PLAIN)
        elif kind == "plain_text_input":
            for key in ("min_length", "max_length"):
                value = element.get(key)
                if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                          or not 0 <= value <= MAX_INPUT_LENGTH):
                    self.fail(f"must be a number from 0 to {MAX_INPUT_LENGTH}",
                              f"{pointer}/{key}")
        confirm = element.get("confirm")
        if confirm is not None:
            self.confirm(confirm, f"{pointer}/confirm")

    def select_options(self, element: Mapping[str, Any], pointer: str) -> None:
        options, groups = element.get("options"), element.get("option_groups")
        if options is not None and groups is not None:
            self.fail("must provide options or option_groups, not both", pointer)
        if options is None and groups is None:
            self.missing(f"{pointer}/options")
        for i, option in enumerate(self.items(options, f"{pointer}/options", MAX_OPTIONS,
                                              required=False)):
            self.option(option, f"{pointer}/options/{i}", PLAIN)
        for g, group in enumerate(self.items(groups, f"{pointer}/option_groups", MAX_OPTIONS,
                                             required=False)):
            where = f"{pointer}/option_groups/{g}"
            if not isinstance(group, Mapping):
                self.fail("must be an object", where)
                continue
            self.text(group.get("label"), f"{where}/label", MAX_OPTION_TEXT, types=PLAIN)
            for i, option in enumerate(self.items(group.get("options"), f"{where}/options",
                                                  MAX_OPTIONS)):
                self.option(option, f"{where}/options/{i}", PLAIN)

    def option(self, option: Any, pointer: str, types: tuple[str, ...]) -> None:
        if not isinstance(option, Mapping):
            self.fail("must be an object", pointer)
            return
        self.text(option.get("text"), f"{pointer}/text", MAX_OPTION_TEXT, types=types)
        self.string(option.get("value"), f"{pointer}/value", MAX_OPTION_VALUE, required=True,
                    minimum=1)
        self.text(option.get("description"), f"{pointer}/description", MAX_OPTION_TEXT,
                  types=types, required=False)
        self.string(option.get("url"), f"{pointer}/url", MAX_URL)

    def confirm(self, confirm: Any, pointer: str) -> None:
        if not isinstance(confirm, Mapping):
            self.fail("must be an object", pointer)
            return
        self.text(confirm.get("title"), f"{pointer}/title", MAX_CONFIRM_TITLE, types=PLAIN)
        self.text(confirm.get("text"), f"{pointer}/text", MAX_CONFIRM_TEXT)
        self.text(confirm.get("confirm"), f"{pointer}/confirm", MAX_CONFIRM_BUTTON,
                  types=PLAIN)
        self.text(confirm.get("deny"), f"{pointer}/deny", MAX_CONFIRM_BUTTON, types=PLAIN)

    # ----- slack_sdk ------------------------------------------------------------------------

    def sdk(self, block: Mapping[str, Any], pointer: str) -> None:
        """What ``slack_sdk.models`` refuses in a block that passed the checks above.

        ``to_dict()`` runs ``validate_json()`` on the block and, as it serialises them, on
        every element and composition object inside it.
        """
        if block.get("type") not in SDK_BLOCK_TYPES:
            return
        try:
            parsed = Block.parse(dict(block))
            if parsed is not None:
                parsed.to_dict()
        except Exception as exc:  # SlackObjectFormationError, or a type the model chokes on
            _log.debug("slack_sdk refuses the block at %s: %r", pointer, exc)
            self.fail(str(exc) or type(exc).__name__, pointer)


# ----- reporting -----------------------------------------------------------------------------


class _Refusing(Protocol):
    @property
    def port(self) -> int: ...

    @property
    def strict_payloads(self) -> bool: ...

    def refused_calls(self) -> list[Call]: ...


def describe_refused(call: Call) -> str:
    """One line for a failure message: the method, its target and why Slack refuses it."""
    params = call.params
    target = (params.get("channel") or params.get("user_id") or params.get("view_id")
              or call.context.get("channel") or "")
    where = f" {target}" if target else ""
    return f"{call.method}{where} -> {call.status} {call.context.get('refused', call.error)}"


def refused_report(emulators: Iterable[_Refusing],
                   already: Mapping[Any, int] | None = None) -> str:
    """A readable list of the calls the strict emulators refused for breaking Slack's
    limits; "" if none. ``already`` maps emulators to how many of their refused calls were
    reported before (e.g. for an emulator that outlives one test); those are skipped.

    For a suite-wide check like the delivery mark's (tests/conftest.py): a test whose bot
    sends a payload Slack would refuse fails even if the bot copes with the refusal.
    """
    lines: list[str] = []
    seen: set[int] = set()
    for emulator in emulators:
        if id(emulator) in seen or not emulator.strict_payloads:
            continue
        seen.add(id(emulator))
        calls = emulator.refused_calls()[(already or {}).get(emulator, 0):]
        if calls:
            lines.append(f"emulator on port {emulator.port}:")
            lines.extend(f"  {describe_refused(call)}" for call in calls)
    if not lines:
        return ""
    head = "Slack would refuse these payloads (Block Kit / message limits, slack_emulator.limits)"
    return "\n".join([head, *lines])
