"""Answers about what lives outside the channel: the calendar's address and the metrics
intake token. Both are secrets: they only ever go in an answer to the person who asked."""

from __future__ import annotations

from bot.blocks.common import Reply, context, section
from bot.blocks.text import literal
from bot.core.plan import Plan


def _reply(*parts: str, note: str = "") -> Reply:
    blocks = [section(part) for part in parts]
    if note:
        blocks.append(context(note))
    return Reply(text="\n".join(parts), blocks=blocks)


def no_public_url() -> Reply:
    return _reply(
        "The calendar needs the bot's public address: set `PUBLIC_URL` to its https base URL"
        " (such as `https://pilot-bot.example.com`, where `pilot-bot serve` answers) and"
        " restart it. Socket Mode serves no HTTP, so the calendar needs `pilot-bot serve`."
    )


def calendar_address(plan: Plan, url: str, *, replaced: bool = False) -> Reply:
    lead = (
        f"*{literal(plan.name)}* has a new calendar address; the old one no longer works:"
        if replaced
        else f"Subscribe to *{literal(plan.name)}*'s calendar (reviews, ramp steps, end dates):"
    )
    return _reply(
        f"{lead}\n`{url}`",
        "Google Calendar: *Other calendars* → *+* → *From URL*. Outlook: *Add calendar* →"
        " *Subscribe from web*. Apple Calendar: *File* → *New Calendar Subscription*.",
        note="Anyone with this address can read the pilot's dates: keep it to the team."
        " `/pilot calendar reset` (editors) replaces it. Apps refresh it on their own"
        " schedule (Google: every several hours).",
    )


def intake_token(plan: Plan, token: str, base_url: str, example: str) -> Reply:
    curl = (
        f"curl -X POST {base_url}/api/v1/metrics -H 'Authorization: Bearer {token}'"
        f" -H 'Content-Type: application/json' -d '{{\"criterion\": \"{example}\","
        ' "value": 58.2, "source": "grafana"}\''
    )
    return _reply(
        f"A new metrics token for *{literal(plan.name)}*; it replaces any earlier one. It is"
        f" shown only this once (the bot keeps only its hash):\n`{token}`",
        f"Push a value in the criterion's own unit:\n```{literal(curl)}```\nAlertmanager and"
        " Grafana post to `/api/v1/metrics/alertmanager` and `/api/v1/metrics/grafana` (see"
        " the README).",
        note="Keep it in your monitoring's secrets. `/pilot metrics revoke` revokes it.",
    )


def intake_revoked(plan: Plan) -> Reply:
    return _reply(
        f"Revoked *{literal(plan.name)}*'s metrics token: pushes with it are refused (401)."
        " `/pilot metrics token` makes a new one."
    )


def no_intake_token(plan: Plan) -> Reply:
    return _reply(
        f"*{literal(plan.name)}* has no metrics token to revoke. `/pilot metrics token`"
        " makes one."
    )
