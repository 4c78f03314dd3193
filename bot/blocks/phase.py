"""End of phase and end of pilot (framework, Communication Cadence): the phase review
with its checklist and Go / No-go, the final evaluation with the recommendation and the
Post-Pilot documentation checklist, their modals, and the recommendation reminder."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from bot.blocks import ids
from bot.blocks.common import Reply, context, header, long_day, section
from bot.blocks.forms import (
    actions,
    button,
    checkboxes,
    modal,
    option,
    radio_input,
    text_input,
)
from bot.blocks.review import (
    issues_text,
    local_when,
    notes_button,
    progress_text,
)
from bot.blocks.text import literal
from bot.core.checklists import POST_PILOT, ChecklistItem, RecordAnswer
from bot.core.decisions import NEXT_STEPS, NEXT_STEPS_UNDECIDED, Decided, Deciders, Decision
from bot.core.phases import Phase
from bot.core.plan import Plan
from bot.core.reviews import FinalEvaluation, PhaseReview

_CHECKLIST_IDS = {
    "Deliverables": ids.CHECKLIST_DELIVERABLES,
    "Exit criteria": ids.CHECKLIST_EXIT_CRITERIA,
    "Post-Pilot documentation": ids.CHECKLIST_POST_PILOT,
}


def checklist_block_id(pilot_id: int, checklist: str, group: str) -> str:
    return f"checklist:{pilot_id}:{checklist}:{_CHECKLIST_IDS[group]}"


def _checklist_blocks(
    pilot_id: int,
    checklist: str,
    items: Sequence[ChecklistItem],
    ticked: frozenset[str],
    answers: dict[str, RecordAnswer],
) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    groups = list(dict.fromkeys(item.group for item in items))
    for group in groups:
        members = [item for item in items if item.group == group]
        options = [
            option(
                item.key,
                item.label,
                f"The record: {answers[item.key].note}" if item.key in answers else None,
            )
            for item in members
        ]
        blocks.append(section(f"*{group}*"))
        blocks.append(
            actions(
                checklist_block_id(pilot_id, checklist, group),
                checkboxes(_CHECKLIST_IDS[group], options, sorted(ticked)),
            )
        )
    return blocks


def checklist_text(
    items: Sequence[ChecklistItem], ticked: frozenset[str], answers: dict[str, RecordAnswer]
) -> str:
    lines = []
    for item in items:
        mark = "[x]" if item.key in ticked else "[ ]"
        note = f" (the record: {answers[item.key].note})" if item.key in answers else ""
        lines.append(f"{mark} {item.group}: {item.label}{note}")
    return "\n".join(lines)


def deciders_text(deciders: Deciders) -> str:
    if not deciders.users:
        return (
            "Nobody holds the deciding role yet (the executive sponsor, or the project lead"
            " without one): add one with `/pilot team add @user executive_sponsor`."
        )
    who = ", ".join(f"<@{u}>" for u in deciders.users)
    return f"Only {who} ({deciders.role_name}) decides."


def decided_line(decided: Decided, plan: Plan, *, what: str) -> str:
    mark = ":white_check_mark:" if decided.outcome is Decision.GO else ":no_entry:"
    line = (
        f"{mark} *{decided.outcome.label}* {what}: decided by <@{decided.by}>"
        f" ({decided.role_name}) at {local_when(decided.at, plan)}"
    )
    if decided.reason:
        line += f". Why: {decided.reason.rstrip('.')}"
    if decided.held_pct is not None:
        line += f". The ramp holds at {decided.held_pct}% until a change is approved"
    if decided.change_ref:
        line += f" ({decided.change_ref} proposes an extension)"
    return line + "."


# ----- end of phase -------------------------------------------------------------------------


def phase_review_message(review: PhaseReview) -> Reply:
    plan, phase = review.plan, review.phase
    guide = phase.guide
    nxt = review.next_phase.display_name
    title = f"End of {phase.display_name} · phase {guide.number} review"
    day = long_day(review.at.astimezone(plan.zone).date())
    intro = (
        f"*{literal(plan.name)}* · {literal(plan.customer)} · {day} · traffic"
        f" {review.traffic_pct}%\n"
        f"The framework's end-of-phase review: metrics presentation, go/no-go for the next"
        f" phase ({nxt}), lessons learned. Tick what is done; the record has filled in"
        " what it can answer."
    )
    pilot = str(review.pilot_id)
    decision_value = ids.button_value(pilot, phase.value)
    blocks: list[dict[str, Any]] = [header(title), section(intro)]
    blocks += _checklist_blocks(
        review.pilot_id, phase.value, review.items, review.ticked, review.answers
    )
    blocks.append(section(f"*Metrics so far*\n{progress_text(review.progress, plan)}"))
    if review.decided is None:
        blocks.append(section(f"*Go / no-go for {nxt}*\n{deciders_text(review.deciders)}"))
        if review.deciders.users:
            blocks.append(
                actions(
                    "phase_decision",
                    button("Go", ids.PHASE_GO, decision_value, style="primary"),
                    button("No-go", ids.PHASE_NO_GO, decision_value, style="danger"),
                )
            )
        decision_text = f"Go / no-go for {nxt}: {deciders_text(review.deciders)}"
    else:
        decision_text = decided_line(review.decided, plan, what=f"for {nxt}")
        blocks.append(section(decision_text))
    lessons = f"{review.lessons} recorded so far." if review.lessons else "None recorded yet."
    blocks.append(section(f"*Lessons learned*\nWhat went well, what would you change? {lessons}"))
    blocks.append(
        actions(
            "phase_lessons",
            button("Add lessons learned", ids.LESSONS_ADD, decision_value),
            notes_button(review.pilot_id),
        )
    )
    text = "\n".join(
        [
            f"{title} · {literal(plan.name)}",
            checklist_text(review.items, review.ticked, review.answers),
            "Metrics so far: " + progress_text(review.progress, plan),
            decision_text,
            f"Lessons learned: {lessons}",
        ]
    )
    return Reply(text=text, blocks=blocks)


def no_go_modal(
    *, pilot_id: int, channel_id: str, plan: Plan, phase: Phase, held_pct: int
) -> dict[str, Any]:
    extended = plan.hard_end_date + timedelta(weeks=1)
    return modal(
        ids.NO_GO_MODAL,
        "No-go",
        [
            section(
                f"*{literal(plan.name)}*: No-go at the end of {phase.display_name}. The"
                " ramp holds at"
                f" {held_pct}% (no further ramp steps) until a change is approved, and a change"
                " request proposes extending the pilot."
            ),
            text_input(
                ids.NO_GO_REASON,
                "Why not go on?",
                multiline=True,
                placeholder="e.g. containment at 41% against 60%; two critical flags open",
                max_length=1000,
            ),
            text_input(
                ids.NO_GO_WEEKS,
                "Extend the pilot by (weeks)",
                initial="1",
                hint=(
                    f"The hard end date is {long_day(plan.hard_end_date)}; 1 week moves it to"
                    f" {long_day(extended)}."
                ),
                max_length=2,
            ),
        ],
        submit="Record No-go",
        metadata={"pilot": pilot_id, "channel": channel_id, "phase": phase.value},
    )


def lessons_modal(*, pilot_id: int, plan: Plan, phase: Phase) -> dict[str, Any]:
    return modal(
        ids.LESSONS_MODAL,
        "Lessons learned",
        [
            section(
                f"*{literal(plan.name)}* · {phase.display_name}: what went well, what would"
                " you change?"
            ),
            text_input(ids.LESSONS_TEXT, "Lessons learned", multiline=True, max_length=3000),
        ],
        submit="Save",
        metadata={"pilot": pilot_id, "phase": phase.value},
    )


def phase_decided_notice(plan: Plan, phase: Phase, decided: Decided) -> Reply:
    nxt = list(Phase)[list(Phase).index(phase) + 1].display_name
    line = decided_line(decided, plan, what=f"for {nxt} (end of {phase.display_name})")
    return Reply(text=f"{literal(plan.name)}: {line}", blocks=[section(line)])


# ----- end of pilot -------------------------------------------------------------------------


def final_evaluation_message(evaluation: FinalEvaluation) -> Reply:
    plan = evaluation.plan
    title = f"Final evaluation · {literal(plan.name)}"
    intro = (
        f"*{literal(plan.name)}* · {literal(plan.customer)}: the pilot ended on"
        f" {long_day(plan.hard_end_date)}."
        " The framework's end-of-pilot review: final presentation, success criteria"
        " evaluation, recommendation, next steps discussion."
    )
    counted = len(evaluation.progress)
    criteria = (
        f"*Success criteria evaluation* ({evaluation.met} of {counted} met)\n"
        + progress_text(evaluation.progress, plan, marks=True)
    )
    recommendation = _recommendation_text(evaluation)
    steps = (
        NEXT_STEPS[evaluation.recommendation.outcome]
        if evaluation.recommendation is not None
        else NEXT_STEPS_UNDECIDED
    )
    next_steps = "\n".join(f"• {s}" for s in steps)
    blocks: list[dict[str, Any]] = [
        header(title),
        section(intro),
        section(criteria),
        section(f"*Open issues*\n{issues_text(evaluation.open_issues)}"),
        section(f"*Recommendation*\n{recommendation}"),
    ]
    if evaluation.recommendation is None and evaluation.deciders.users:
        blocks.append(
            actions(
                "recommendation",
                button(
                    "Record recommendation",
                    ids.RECOMMENDATION_RECORD,
                    str(evaluation.pilot_id),
                    style="primary",
                ),
            )
        )
    blocks.append(section(f"*Next steps*\n{next_steps}"))
    blocks += _checklist_blocks(
        evaluation.pilot_id, POST_PILOT, evaluation.items, evaluation.ticked, evaluation.answers
    )
    blocks.append(context(f"Evaluation runs until {long_day(plan.evaluation_end_date)}."))
    text = "\n".join(
        [
            title,
            criteria,
            "Open issues: " + issues_text(evaluation.open_issues),
            f"Recommendation: {recommendation}",
            f"Next steps: {'; '.join(steps)}",
            checklist_text(evaluation.items, evaluation.ticked, evaluation.answers),
        ]
    )
    return Reply(text=text, blocks=blocks)


def _recommendation_text(evaluation: FinalEvaluation) -> str:
    if evaluation.recommendation is not None:
        return decided_line(evaluation.recommendation, evaluation.plan, what="recommended")
    return "Go or no-go for the full rollout, with the rationale. " + deciders_text(
        evaluation.deciders
    )


def recommendation_modal(*, pilot_id: int, plan: Plan) -> dict[str, Any]:
    return modal(
        ids.RECOMMENDATION_MODAL,
        "Recommendation",
        [
            section(f"*{literal(plan.name)}*: the go / no-go recommendation, with its rationale."),
            radio_input(
                ids.RECOMMENDATION_CHOICE,
                "Recommendation",
                [
                    option(Decision.GO.value, "Go: roll out in full"),
                    option(Decision.NO_GO.value, "No-go: do not roll out"),
                ],
            ),
            text_input(
                ids.RECOMMENDATION_RATIONALE,
                "Rationale",
                multiline=True,
                placeholder="The criteria met, the open issues, what the rollout needs",
                max_length=2000,
            ),
        ],
        submit="Record",
        metadata={"pilot": pilot_id},
    )


def recommendation_notice(plan: Plan, decided: Decided) -> Reply:
    line = decided_line(decided, plan, what="recommended for the full rollout")
    steps = "\n".join(f"• {s}" for s in NEXT_STEPS[decided.outcome])
    text = f"*{literal(plan.name)}*: {line}\n*Next steps*\n{steps}"
    return Reply(text=text, blocks=[section(text)])


def recommendation_reminder(plan: Plan, *, pilot_id: int, channel_id: str, role_name: str) -> Reply:
    text = (
        f":bell: Reminder: *{literal(plan.name)}*'s evaluation ends"
        f" {long_day(plan.evaluation_end_date)}"
        f" and no go / no-go recommendation is recorded yet. As the {role_name}, please record"
        f" it with its rationale (the final evaluation is in <#{channel_id}>)."
    )
    blocks = [
        section(text),
        actions(
            "recommendation",
            button(
                "Record recommendation",
                ids.RECOMMENDATION_RECORD,
                str(pilot_id),
                style="primary",
            ),
        ),
    ]
    return Reply(text=text, blocks=blocks)


def note_saved(text: str) -> Reply:
    return Reply(text=text, blocks=[section(text)])
