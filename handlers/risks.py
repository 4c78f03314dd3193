"""The risk register: `/pilot risks`, `/pilot risks add ...`, `/pilot risks remove R-2`
(bot/features/risks.py does the work)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.blocks import Reply
from bot.core.errors import DomainError
from bot.core.inputs import parse_page
from bot.core.refs import RISK, parse_ref
from bot.core.risks import RiskCategory
from bot.features import risks
from handlers.answers import work
from storage.db import unit_of_work

if TYPE_CHECKING:
    from handlers.commands import CommandRequest

MAX_RISK_LENGTH = 500
MAX_MITIGATION_LENGTH = 1000


def risks_command(request: CommandRequest) -> Reply | None:
    page = parse_page(request.parsed.options.get("page"))
    with unit_of_work(request.services.engine) as session:
        return risks.register_view(session=session, where=request.where, page=page)


def risks_add(request: CommandRequest) -> Reply | None:
    category = _category(request.parsed.args["category"])
    risk = " ".join(request.parsed.args["risk"].split())
    mitigation = " ".join(request.parsed.options.get("mitigation", "").split())
    if not risk:
        raise DomainError("Describe the risk.")
    if not mitigation:
        raise DomainError("Every risk on the register needs a mitigation.")
    if len(risk) > MAX_RISK_LENGTH or len(mitigation) > MAX_MITIGATION_LENGTH:
        raise DomainError(
            f"Keep the risk under {MAX_RISK_LENGTH} characters and the mitigation under"
            f" {MAX_MITIGATION_LENGTH}."
        )
    with work(request.services, wake=False) as session:
        return risks.add(
            session=session,
            now=request.services.clock.now(),
            where=request.where,
            user_id=request.user_id,
            category=category,
            risk=risk,
            mitigation=mitigation,
        )


def risks_remove(request: CommandRequest) -> Reply | None:
    number = parse_ref(request.parsed.args["risk"], RISK)
    with work(request.services, wake=False) as session:
        return risks.remove(
            session=session,
            now=request.services.clock.now(),
            where=request.where,
            user_id=request.user_id,
            number=number,
        )


def _category(text: str) -> RiskCategory:
    try:
        return RiskCategory(text.strip().lower())
    except ValueError:
        names = ", ".join(c.value for c in RiskCategory)
        raise DomainError(f"Unknown risk category '{text.strip()}'. Use one of: {names}.") from None
