"""The demo's story: the people, the channel, and each step someone takes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.blocks import ids
from bot.core.commands import COMMANDS

CHANNEL = "C0ACMEPOC"
PUBLIC_URL = "https://pilot-bot.example.com"  # where calendar apps and Grafana would reach it
CUSTOMER_TEAM = "T0ACME"  # Acme's own Slack organisation (Slack Connect)
CUSTOMER_SIDE = ("U0DANA", "U0SAM")
PEOPLE = {
    "U0ALICE": ("alice", "Alice Archer (vendor implementation lead)"),
    "U0DANA": ("dana", "Dana Diaz (customer project lead)"),
    "U0SAM": ("sam", "Sam Sato (customer executive sponsor)"),
    "U0OMAR": ("omar", "Omar Ortiz (vendor account owner)"),
}


@dataclass
class Step:
    """One thing a person does, and what the bot should have done before we go on."""

    say: str  # narration
    user: str = "U0ALICE"
    command: str | None = None
    then: tuple[str, ...] = ()  # more commands, one after the other, in the same step
    at: datetime | None = None
    posts: int = 0  # channel posts the step makes: wait for them before going on
    needs: tuple[str, ...] = field(default_factory=tuple)  # subcommands this step uses
    until: datetime | None = None  # fast-forward the scheduler to here, printing its posts
    click: tuple[str, str] | None = None  # (post key, action id): click a bot post's button
    submit: dict[str, str] | None = None  # then fill the modal it opens (block id -> value)
    shows: int = 1  # what a click shows people (posts, edits, notes): wait for them
    reply: tuple[str, str] | None = None  # (post key, text): reply in that post's thread
    ticks: tuple[str, str, tuple[str, ...]] | None = None  # (post key, group, items ticked)
    react: str = ""  # add the flag emoji to the last reply in this post's thread
    home: bool = False  # open the App Home tab
    calendar: bool = False  # then read the calendar the command's answer gives the address of
    push: str = ""  # then Grafana pushes this value of C-1 with the token the answer shows
    brief: bool = True  # print only the first line of each message


def has_commands(*paths: str) -> bool:
    names = {spec.name for spec in COMMANDS}
    return all(p in names for p in paths)


def script() -> list[Step]:
    kickoff = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # Tuesday, 10:00 in New York
    steps = [
        Step(
            "Alice creates a 6-week business pilot on the standard ramp.",
            at=kickoff,
            command='create "Acme POC" customer=Acme type=business ramp=standard '
            "start=2026-12-07 weeks=6 tz=America/New_York checkin=09:30 "
            'review="mon 10:00" holidays=US',
            posts=1,
            needs=("create",),
        ),
        Step(
            "Alice staffs the team. The channel is shared with Acme's own Slack (Slack"
            " Connect): Dana (project lead) and Sam (executive sponsor, who decides) are"
            " Acme's, and act there with replies, buttons and forms; Omar owns the account.",
            command="team add <@U0DANA|dana> project_lead",
            then=(
                "team add <@U0SAM|sam> executive_sponsor",
                "team add <@U0OMAR|omar> account_owner",
                "team add <@U0ALICE|alice> implementation_lead",
            ),
            needs=("team add",),
        ),
        Step(
            "The team agrees a success criterion and writes the scope down: the scope"
            " document goes to the channel for Sam's sign-off.",
            command='criteria add "Containment rate" target="&gt;= 60%"',
            then=('scope set use_cases="Order status and returns" geographies="US, EU"',),
            posts=1,
            needs=("criteria add", "scope set"),
        ),
        Step(
            "Sam signs the scope document off.",
            user="U0SAM",
            click=("scope_document:v1", ids.SCOPE_SIGN_OFF),
            needs=("scope set",),
        ),
        Step(
            "Alice puts the pilot's dates in her calendar: an address calendar apps subscribe to.",
            command="calendar",
            calendar=True,
            needs=("calendar",),
        ),
        Step(
            "Setup runs its week; on Friday the Setup review asks for Go / No-go.",
            until=datetime(2026, 12, 11, 15, 5, tzinfo=UTC),
        ),
        Step(
            "Alice ticks Setup's exit criteria on the review.",
            ticks=("phase_review:setup", ids.CHECKLIST_EXIT_CRITERIA, ("e1", "e2", "e3")),
        ),
        Step(
            "Sam says Go for Soft Launch.",
            user="U0SAM",
            click=("phase_review:setup", ids.PHASE_GO),
            shows=2,
        ),
        Step(
            "Soft Launch starts Monday: the check-in thread, the ramp to 25%, the weekly review.",
            until=datetime(2026, 12, 14, 15, 5, tzinfo=UTC),
        ),
        Step("Alice confirms production runs at 25%.", click=("ramp_change:w2", ids.RAMP_APPLIED)),
        Step(
            "Dana records the containment rate from the weekly review (a form).",
            user="U0DANA",
            click=("weekly_review:w2", ids.REVIEW_RECORD_METRICS),
            submit={f"{ids.METRIC_BLOCK_PREFIX}1": "52%"},
        ),
        Step(
            "Alice notes what the review agreed (in its thread, and in the weekly report) and"
            " posts the documentation checklists.",
            command="notes Dana owns the EU test data; containment target stays at 60%.",
            then=("docs post",),
            posts=2,
            needs=("notes", "docs post"),
        ),
        Step(
            "Dana ticks Technical requirements from Acme's side.",
            user="U0DANA",
            click=("docs:", ids.DOCS_TICK),
            needs=("docs post",),
        ),
        Step(
            "Dana posts her status with Post status (a form).",
            user="U0DANA",
            click=("checkin:2026-12-14", ids.CHECKIN_POST_STATUS),
            submit={ids.CHECKIN_STATUS: "yellow", ids.CHECKIN_NOTE: "Waiting on EU test data"},
        ),
        Step(
            "Tuesday: Dana flags an issue from the check-in (a form).",
            user="U0DANA",
            until=datetime(2026, 12, 15, 15, 0, tzinfo=UTC),
        ),
        Step(
            "She picks critical and says what is wrong.",
            user="U0DANA",
            click=("checkin:2026-12-15", ids.CHECKIN_FLAG_ISSUE),
            submit={ids.FLAG_SEVERITY: "critical", ids.FLAG_DESCRIPTION: "EU checkouts fail"},
            needs=("flag",),
        ),
        Step(
            "Nobody resolves it: at 4 h it climbs to the project leads. Acme's Slack refuses"
            " the bot's DM to Dana, so hers comes into the flag's thread.",
            until=datetime(2026, 12, 15, 19, 1, tzinfo=UTC),
            needs=("flag",),
        ),
        Step(
            "Alice acknowledges from her DM.",
            click=("escalation:F-1:s1:U0ALICE", ids.FLAG_ACKNOWLEDGE),
            shows=2,
            needs=("flag",),
        ),
        Step(
            "Omar resolves it; the issue log keeps how.",
            user="U0OMAR",
            command="resolve F-1 EU payment config rolled back",
            posts=1,
            needs=("resolve",),
        ),
        Step(
            "Friday's check-in; its recap names Tuesday's flag.",
            until=datetime(2026, 12, 18, 14, 31, tzinfo=UTC),
        ),
        Step(
            "Dana checks in by replying in the thread.",
            user="U0DANA",
            reply=("checkin:2026-12-18", "Exports to our BI tool time out since the 25% step"),
        ),
        Step(
            "Alice turns Dana's reply into a flag with the :triangular_flag_on_post: reaction.",
            react="checkin:2026-12-18",
            posts=1,
            needs=("flag",),
        ),
        Step(
            "Alice fixes it the same morning.",
            command="resolve F-2 Raised the export timeout to 120 s",
            posts=1,
            needs=("resolve",),
        ),
        Step(
            "Omar connects Acme's Grafana: a token for the metrics intake, then its alert pushes"
            " the containment rate (no more typing it in).",
            user="U0OMAR",
            command="metrics token",
            push="58.2",
            needs=("metrics token",),
        ),
        Step(
            "The Soft Launch review comes at 10:00; Sam says Go for the Expanded Pilot.",
            until=datetime(2026, 12, 18, 15, 5, tzinfo=UTC),
        ),
        Step(
            "Go.",
            user="U0SAM",
            click=("phase_review:soft_launch", ids.PHASE_GO),
            shows=2,
        ),
        Step(
            "Monday: the ramp steps to 40%.",
            until=datetime(2026, 12, 21, 14, 35, tzinfo=UTC),
        ),
        Step(
            "Alice holds it: a change request through the change process.",
            click=("ramp_change:w3", ids.RAMP_HOLD),
            submit={ids.RAMP_HOLD_REASON: "The export fix needs a week in production first"},
            shows=2,
        ),
        Step(
            "Sam, asked by DM, rejects it: the ramp goes on as planned.",
            user="U0SAM",
            click=("change:CH-1:ask:U0SAM", ids.CHANGE_REJECT),
            shows=2,
        ),
        Step(
            "Alice sends Acme's executives the issue log as a spreadsheet: a file in the channel.",
            command="report issues format=csv",
            needs=("report",),
        ),
        Step("Alice opens the bot's Home tab.", home=True),
        Step(
            "Quiet weeks of the Expanded Pilot, to its end-of-phase review.",
            until=datetime(2027, 1, 15, 15, 5, tzinfo=UTC),
        ),
        Step(
            "Sam says No-go for Evaluation: containment is not there yet. He asks for a week more.",
            user="U0SAM",
            click=("phase_review:expanded", ids.PHASE_NO_GO),
            submit={ids.NO_GO_REASON: "Containment is still below target", ids.NO_GO_WEEKS: "1"},
            shows=2,
        ),
        Step(
            "Sam approves the extension from his DM; every stakeholder hears of it.",
            user="U0SAM",
            click=("change:CH-2:ask:U0SAM", ids.CHANGE_APPROVE),
            shows=3,
        ),
        Step(
            "The extra week, then the final evaluation.",
            until=datetime(2027, 1, 26, 15, 30, tzinfo=UTC),
        ),
        Step(
            "Sam records the recommendation (a form).",
            user="U0SAM",
            click=("final_evaluation", ids.RECOMMENDATION_RECORD),
            submit={
                ids.RECOMMENDATION_CHOICE: "go",
                ids.RECOMMENDATION_RATIONALE: "Containment on target; roll out by region.",
            },
            shows=2,
        ),
        Step(
            "Alice closes the record with the final report and its chart.",
            command="report final",
            needs=("report",),
        ),
        Step(
            "The scheduler runs to the end of Evaluation.",
            until=datetime(2027, 2, 2, 5, 0, tzinfo=UTC),
        ),
    ]
    return [s for s in steps if has_commands(*s.needs)]
