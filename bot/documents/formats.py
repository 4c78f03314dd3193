"""Markdown and CSV as people's words need them: nothing they typed becomes markup,
a table, or a spreadsheet formula."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

# A cell a spreadsheet would evaluate: =, +, -, @ (and a tab or carriage return that
# some tools strip before looking). OWASP's advice: prefix it with a single quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Markdown that could turn someone's words into emphasis, a link, an image, HTML or a
# table cell: a heading or list marker needs a line start, which words never get here.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def md_text(text: str) -> str:
    """Someone's words as literal Markdown, on one line."""
    flat = " ".join(str(text).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", flat)


def md_cell(text: object) -> str:
    """A value inside a Markdown table cell: ``|`` and newlines escaped, never empty."""
    value = md_text(str(text)) if text not in (None, "") else ""
    return value or "–"


def md_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    """A GitHub-flavoured Markdown table (header cells are ours, rows are escaped)."""
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    lines += ["| " + " | ".join(md_cell(cell) for cell in row) + " |" for row in rows]
    return lines


def csv_safe(value: object) -> str:
    """A CSV cell that no spreadsheet will run: a formula-like start gets a quote."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 CSV with a header row, one row per record, every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
    return out.getvalue().encode("utf-8")


def local_time(instant: datetime | None, zone: ZoneInfo) -> str:
    """"2026-12-14 10:00 EST" in the pilot's zone; empty for None."""
    if instant is None:
        return ""
    local = instant.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def slug(text: str) -> str:
    """A file-name-safe form of a pilot's name: ``acme-poc``."""
    value = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return value[:60].strip("-") or "pilot"
