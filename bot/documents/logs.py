"""The running record as documents: the issue log, the change log, the risk register,
the scope document and every recorded metric value, in Markdown and (the tables) CSV."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.core.boundaries import Boundary
from bot.core.flags import FlagRecord
from bot.documents.formats import csv_bytes, local_time, md_table, md_text
from bot.documents.record import PilotRecord


def title_block(record: PilotRecord, title: str) -> list[str]:
    """The heading every document starts with: what, for whom, as of when."""
    plan = record.plan
    return [
        f"# {md_text(plan.name)}: {title}",
        "",
        f"Customer: {md_text(plan.customer)} · {plan.pilot_type.value} pilot · "
        f"{plan.start:%Y-%m-%d} to {plan.hard_end_date:%Y-%m-%d} (hard end date) · "
        f"as of {local_time(record.as_of, plan.zone)}",
        "",
    ]


# ----- the issue log ------------------------------------------------------------------------

ISSUE_HEADER = (
    "Flag",
    "Severity",
    "Category",
    "Description",
    "Raised",
    "Raised by",
    "Acknowledged",
    "Acknowledged by",
    "Resolved",
    "Resolved by",
    "Resolution",
    "Escalation steps",
)


def _escalation_steps(record: PilotRecord, flag: FlagRecord) -> str:
    taken = [e for e in record.escalations if e.flag_number == flag.number]
    return "; ".join(
        f"{e.step} at {local_time(e.at, record.plan.zone)}"
        + (f" ({', '.join(record.who(u) for u in e.users)})" if e.users else "")
        for e in taken
    )


def _issue_rows(record: PilotRecord) -> list[list[str]]:
    zone = record.plan.zone
    return [
        [
            flag.ref,
            flag.severity.value,
            flag.category.value,
            flag.description,
            local_time(flag.raised_at, zone),
            record.who(flag.raised_by),
            local_time(flag.acknowledged_at, zone),
            record.who(flag.acknowledged_by),
            local_time(flag.resolved_at, zone),
            record.who(flag.resolved_by),
            flag.resolution,
            _escalation_steps(record, flag),
        ]
        for flag in record.flags
    ]


def issues_md(record: PilotRecord) -> bytes:
    lines = title_block(record, "issue log")
    open_count = sum(flag.is_open for flag in record.flags)
    if not record.flags:
        lines.append("No issue flags were raised.")
    else:
        lines += [
            f"{len(record.flags)} flags: {open_count} open, {len(record.flags) - open_count} "
            "resolved.",
            "",
            *md_table(ISSUE_HEADER, _issue_rows(record)),
        ]
    return _md(lines)


def issues_csv(record: PilotRecord) -> bytes:
    return csv_bytes(ISSUE_HEADER, _issue_rows(record))


# ----- the change log -----------------------------------------------------------------------

CHANGE_HEADER = ("When", "Who", "Kind", "Change", "Reason")
REQUEST_HEADER = (
    "Request", "Kind", "Change", "Reason", "Status", "Asked by", "Asked", "Decided by", "Decided"
)


def _change_rows(record: PilotRecord) -> list[list[str]]:
    zone = record.plan.zone
    return [
        [local_time(c.at, zone), record.who(c.by), c.kind, c.summary, c.reason]
        for c in record.changes
    ]


def changes_md(record: PilotRecord) -> bytes:
    zone = record.plan.zone
    lines = title_block(record, "change log")
    lines += ["## Change requests", ""]
    if record.change_requests:
        lines += md_table(
            REQUEST_HEADER,
            (
                [
                    f"CH-{r.number}",
                    r.kind,
                    r.summary,
                    r.reason,
                    r.status,
                    record.who(r.requested_by),
                    local_time(r.requested_at, zone),
                    record.who(r.decided_by),
                    local_time(r.decided_at, zone),
                ]
                for r in record.change_requests
            ),
        )
    else:
        lines.append("No change went through the change process.")
    lines += ["", "## Every change and decision", ""]
    lines += md_table(CHANGE_HEADER, _change_rows(record)) if record.changes else ["None."]
    return _md(lines)


def changes_csv(record: PilotRecord) -> bytes:
    return csv_bytes(CHANGE_HEADER, _change_rows(record))


# ----- the risk register --------------------------------------------------------------------

RISK_HEADER = ("Risk", "Category", "Description", "Mitigation", "Added by", "Added", "Removed")


def _risk_rows(record: PilotRecord) -> list[list[str]]:
    zone = record.plan.zone
    return [
        [
            f"R-{r.number}",
            r.category,
            r.risk,
            r.mitigation,
            record.who(r.added_by),
            local_time(r.added_at, zone),
            local_time(r.removed_at, zone),
        ]
        for r in record.risks
    ]


def risks_md(record: PilotRecord) -> bytes:
    lines = title_block(record, "risk register")
    current = [r for r in _risk_rows(record) if not r[-1]]
    removed = [r for r in _risk_rows(record) if r[-1]]
    lines += md_table(RISK_HEADER[:-1], (r[:-1] for r in current)) if current else ["No risks."]
    if removed:
        lines += ["", "## Removed from the register", "", *md_table(RISK_HEADER, removed)]
    return _md(lines)


def risks_csv(record: PilotRecord) -> bytes:
    return csv_bytes(RISK_HEADER, _risk_rows(record))


# ----- the scope document -------------------------------------------------------------------


def signoff_md(record: PilotRecord, person: Callable[[str], str] | None = None) -> str:
    """The scope document's sign-off in a sentence; ``person`` names the signer (default:
    as the documents name people)."""
    state = record.scope_state
    if state is None or state.version is None:
        return "Not posted for sign-off yet."
    signed = state.signed
    if signed is not None and signed.version == state.version:
        who = person(signed.by) if person else md_text(record.who(signed.by))
        return (
            f"Version {state.version} signed off by {who} ({md_text(signed.role_name)}) on"
            f" {local_time(signed.at, record.plan.zone)}."
        )
    by = f" by the {md_text(state.decider_role)}" if state.decider_role else ""
    return f"Version {state.version} is waiting to be signed off{by}."


def scope_md(record: PilotRecord) -> bytes:
    lines = title_block(record, "scope document")
    lines += ["## Hard boundaries", ""]
    for boundary in Boundary:
        value = record.scope.get(boundary, "")
        lines.append(f"- **{boundary.label}**: {md_text(value) if value else 'not defined'}")
    lines += ["", "## Sign-off", "", signoff_md(record)]
    lines += ["", "## Phase 2 bucket (deferred requests)", ""]
    if record.deferred:
        zone = record.plan.zone
        lines += [
            f"- P2-{d.number}: {md_text(d.request)} ({md_text(record.who(d.by))}, "
            f"{local_time(d.at, zone)})"
            for d in record.deferred
        ]
    else:
        lines.append("Nothing deferred.")
    return _md(lines)


# ----- every recorded metric value ------------------------------------------------------------

METRIC_HEADER = ("Criterion", "Name", "Target", "Value", "Recorded", "Recorded by")


def _metric_rows(record: PilotRecord) -> list[list[str]]:
    by_id = {c.id: c for c in record.criteria}
    zone = record.plan.zone
    rows = []
    for reading in record.readings:
        criterion = by_id.get(reading.criterion_id)
        if criterion is None:
            continue  # a removed criterion's values are not the pilot's any more
        rows.append(
            [
                f"C-{criterion.number}",
                criterion.name,
                criterion.target_text,
                reading.typed,
                local_time(reading.at, zone),
                f"{reading.source} (pushed)" if reading.source else record.who(reading.by),
            ]
        )
    return rows


def metrics_md(record: PilotRecord) -> bytes:
    lines = title_block(record, "recorded metrics")
    rows = _metric_rows(record)
    lines += md_table(METRIC_HEADER, rows) if rows else ["No values recorded yet."]
    return _md(lines)


def metrics_csv(record: PilotRecord) -> bytes:
    return csv_bytes(METRIC_HEADER, _metric_rows(record))


def _md(lines: Sequence[str]) -> bytes:
    return ("\n".join(lines).rstrip() + "\n").encode("utf-8")
