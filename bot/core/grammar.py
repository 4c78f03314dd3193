"""The one `/pilot` grammar every subcommand shares.

A line is: a subcommand (one or two words, such as ``status`` or ``team add``), then
the positional words that command shows, then ``key=value`` options, then, for
commands that take one, free text that runs to the end of the line (``=`` and
all). Straight and curly double quotes group words. Slack escapes ``&``, ``<``
and ``>`` in command text (the manifest sets ``should_escape``), so values are
unescaped after splitting; user mentions arrive as ``<@U123>`` or ``<@U123|name>``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from bot.core.errors import DomainError

_QUOTES = "\"“”„‟"
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_OPTION = re.compile(r"^([a-z_]+)=(.*)$", re.DOTALL)


class UsageError(DomainError):
    """Input that does not fit a command; the reply shows the correct usage."""

    def __init__(self, message: str, usage: str) -> None:
        super().__init__(message, usage=usage)
        self.usage: str = usage


# Compared and hashed by identity: each spec is one constant of the command table, whose
# index is looked up on every /pilot line (hashing every field of 42 specs cost more).
@dataclass(frozen=True, eq=False)
class CommandSpec:
    """What one subcommand accepts. Positionals ending in ``?`` are optional."""

    path: tuple[str, ...]
    usage: str
    summary: str
    positionals: tuple[str, ...] = ()
    options: frozenset[str] = frozenset()
    rest: str | None = None  # name of the free-text tail, if the command takes one
    rest_required: bool = False

    @property
    def name(self) -> str:
        return " ".join(self.path)


@dataclass(frozen=True)
class ParsedCommand:
    spec: CommandSpec
    args: Mapping[str, str] = field(default_factory=dict)
    options: Mapping[str, str] = field(default_factory=dict)
    rest: str = ""


@dataclass(frozen=True)
class _Token:
    value: str
    start: int  # offsets into the raw line, so the free-text tail keeps its spacing
    quoted: bool  # began with a quote: "a=b" in quotes is text, not an option


def tokenize(line: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(line)
    while i < n:
        if line[i].isspace():
            i += 1
            continue
        start, chunks = i, []
        quoted = line[i] in _QUOTES
        while i < n and not line[i].isspace():
            if line[i] in _QUOTES:
                end = i + 1
                while end < n and line[end] not in _QUOTES:
                    end += 1
                chunks.append(line[i + 1 : end])
                i = end + 1
            else:
                chunks.append(line[i])
                i += 1
        tokens.append(_Token("".join(chunks), start, quoted))
    return tokens


def unescape(text: str) -> str:
    # Slack escapes only these three; html.unescape would also eat things like "&copy".
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _strip_outer_quotes(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] in _QUOTES and text[-1] in _QUOTES:
        inner = text[1:-1]
        if not any(q in inner for q in _QUOTES):
            return inner
    return text


def parse_user_id(value: str) -> str | None:
    """``<@U123>`` or ``<@U123|name>`` to ``U123``; None for anything else."""
    match = _MENTION.match(value.strip())
    return match.group(1) if match else None


def find_spec(words: Sequence[str], specs: Sequence[CommandSpec]) -> CommandSpec | None:
    """The command whose path is the longest prefix of ``words``."""
    by_path = _index(tuple(specs))
    lowered = tuple(w.lower() for w in words[:_LONGEST_PATH])
    for size in range(len(lowered), 0, -1):
        spec = by_path.get(lowered[:size])
        if spec is not None:
            return spec
    return None


_LONGEST_PATH = 3


@lru_cache(maxsize=8)
def _index(specs: tuple[CommandSpec, ...]) -> dict[tuple[str, ...], CommandSpec]:
    # The command table is a constant: index it once, not on every /pilot line.
    assert all(len(spec.path) <= _LONGEST_PATH for spec in specs)
    return {spec.path: spec for spec in specs}


def parse(line: str, specs: Sequence[CommandSpec]) -> ParsedCommand:
    """Parse a `/pilot` line against the command table; raises UsageError."""
    tokens = tokenize(line)
    spec = find_spec([t.value for t in tokens], specs)
    if spec is None:
        # A group with no bare command of its own (`/pilot metrics`): name its subcommands,
        # rather than say that a word the command list shows is not a command.
        first = tokens[0].value.lower() if tokens else ""
        group = [s for s in specs if len(s.path) > 1 and s.path[0] == first]
        if group:
            choices = " or ".join(f"`{s.path[1]}`" for s in group)
            usage = f"/pilot {first} <{'|'.join(s.path[1] for s in group)}>"
            raise UsageError(f"`{first}` needs {choices}.", usage)
        raise UsageError("", "")  # the caller answers with the command list
    position = len(spec.path)

    args: dict[str, str] = {}
    for name in spec.positionals:
        optional = name.endswith("?")
        key = name.rstrip("?")
        token = tokens[position] if position < len(tokens) else None
        if token is None or (not token.quoted and _is_option(token.value, spec)):
            if optional:
                continue
            raise UsageError(f"`{spec.name}` needs <{key}>.", spec.usage)
        args[key] = unescape(token.value)
        position += 1

    options: dict[str, str] = {}
    while position < len(tokens):
        token = tokens[position]
        match = _OPTION.match(token.value) if not token.quoted else None
        if match is None:
            break
        key, value = match.groups()
        if key not in spec.options:
            if spec.rest is not None:
                break  # an unknown key=value belongs to the free text
            allowed = ", ".join(sorted(spec.options)) or "none"
            raise UsageError(f"Unknown option `{key}` (options: {allowed}).", spec.usage)
        options[key] = unescape(value)
        position += 1

    rest = ""
    if position < len(tokens):
        if spec.rest is None:
            extra = tokens[position].value
            raise UsageError(f"Unexpected `{unescape(extra)}`.", spec.usage)
        rest = unescape(_strip_outer_quotes(line[tokens[position].start :]))
    if spec.rest is not None and spec.rest_required and not rest:
        raise UsageError(f"`{spec.name}` needs <{spec.rest}>.", spec.usage)
    return ParsedCommand(spec=spec, args=args, options=options, rest=rest)


def _is_option(value: str, spec: CommandSpec) -> bool:
    match = _OPTION.match(value)
    return bool(match and match.group(1) in spec.options)


__all__ = [
    "CommandSpec",
    "ParsedCommand",
    "UsageError",
    "find_spec",
    "parse",
    "parse_user_id",
    "tokenize",
    "unescape",
]
