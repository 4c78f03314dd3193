"""The final report (framework, Post-Pilot documentation): final metrics, the success
criteria evaluation, the recommendation with its rationale, lessons learned by phase,
open issues, the change summary, and the rollout plan with next steps.

Asked before Evaluation it is a draft, and says so in its title and its first line."""

from __future__ import annotations

from bot.core.decisions import NEXT_STEPS, NEXT_STEPS_UNDECIDED
from bot.core.localtime import local_date
from bot.core.phases import Phase, PilotStatus
from bot.core.timeline import status_on
from bot.documents.formats import local_time, md_table, md_text
from bot.documents.logs import _md, title_block
from bot.documents.record import PilotRecord
from bot.documents.weekly import CRITERIA_HEADER, criteria_rows, meeting_notes_md


def is_draft(record: PilotRecord) -> bool:
    today = local_date(record.as_of, record.plan.zone)
    return status_on(record.plan, today) in (PilotStatus.NOT_STARTED, PilotStatus.RUNNING)


def final_md(record: PilotRecord) -> bytes:
    plan, final = record.plan, record.final
    today = local_date(record.as_of, plan.zone)
    draft = is_draft(record)
    title = f"final report (DRAFT, {today:%Y-%m-%d})" if draft else "final report"
    lines = title_block(record, title)
    if draft:  # the first line under the title says so too
        lines[2:2] = [
            f"**Draft as of {today:%Y-%m-%d}:** the pilot has not reached Evaluation "
            f"(from {plan.evaluation_start_date:%Y-%m-%d}); figures will change.",
            "",
        ]
    lines += ["## Final metrics", ""]
    if final.progress:
        lines += md_table(CRITERIA_HEADER, criteria_rows(record, final.progress))
    else:
        lines.append("No success criteria were defined.")
    lines += ["", "## Success criteria evaluation", ""]
    for p in final.progress:
        verdict = "met" if p.met else "not met"
        value = f"{md_text(p.latest.typed)}" if p.latest else "no value recorded"
        lines.append(
            f"- C-{p.criterion.number} {md_text(p.criterion.name)} (target "
            f"{md_text(p.criterion.target_text) or 'none'}): **{verdict}**, {value}"
        )
    if final.progress:
        lines += ["", f"{final.met} of {len(final.progress)} criteria met."]
    lines += ["", "## Recommendation", ""]
    decided = final.recommendation
    if decided is None:
        lines.append(
            f"Not recorded yet: the {final.deciders.role_name} records go / no-go at the "
            "final evaluation."
        )
    else:
        lines.append(
            f"**{decided.outcome.label}**, decided by {md_text(record.who(decided.by))}"
            f"{' (' + md_text(decided.role_name) + ')' if decided.role_name else ''} "
            f"on {local_time(decided.at, plan.zone)}."
        )
        if decided.reason:
            lines += ["", f"Rationale: {md_text(decided.reason)}"]
    lines += ["", "## Lessons learned", ""]
    if record.lessons:
        for phase in Phase:
            learned = [n for n in record.lessons if n.period == phase.value]
            if learned:
                lines.append(f"### {phase.display_name}")
                lines += [
                    f"- {md_text(n.text)} ({md_text(record.who(n.by))})" for n in learned
                ]
                lines.append("")
    else:
        lines.append("None recorded.")
    lines += ["", "## Meeting notes", ""]
    lines += meeting_notes_md(record, list(record.meeting_notes))
    lines += ["", "## Open issues", ""]
    still_open = [f for f in record.flags if f.is_open]
    if still_open:
        lines += [
            f"- {f.ref} ({f.severity.value}, raised {local_time(f.raised_at, plan.zone)}): "
            f"{md_text(f.description)}"
            for f in still_open
        ]
    else:
        lines.append("No open issue flags.")
    lines += ["", "## Change summary", ""]
    if record.change_requests:
        by_status: dict[str, int] = {}
        for change in record.change_requests:
            by_status[change.status] = by_status.get(change.status, 0) + 1
        lines.append(
            f"{len(record.change_requests)} change request"
            + ("s" if len(record.change_requests) != 1 else "")
            + ": "
            + ", ".join(f"{count} {status}" for status, count in sorted(by_status.items()))
            + "."
        )
        lines += [
            f"- CH-{c.number} ({c.kind}, {c.status}): {md_text(c.summary)}"
            for c in record.change_requests
        ]
    else:
        lines.append("No change went through the change process.")
    lines += ["", "## Rollout plan and next steps", ""]
    steps = NEXT_STEPS[decided.outcome] if decided is not None else NEXT_STEPS_UNDECIDED
    lines += [f"{number}. {step}" for number, step in enumerate(steps, start=1)]
    lines += ["", "## Post-pilot documentation", ""]
    lines += [
        f"- [{'x' if item.key in final.ticked else ' '}] {item.label}" for item in final.items
    ]
    return _md(lines)
