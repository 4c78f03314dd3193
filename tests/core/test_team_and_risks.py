"""Pilot Team Structure roles and the starter risk register."""

from __future__ import annotations

import pytest

from bot.core.errors import DomainError
from bot.core.risks import STARTER_RISKS, RiskCategory
from bot.core.roles import Role, Side, decision_maker_roles, roles_on


def test_roles_by_side() -> None:
    assert roles_on(Side.CUSTOMER) == (
        Role.EXECUTIVE_SPONSOR,
        Role.PROJECT_LEAD,
        Role.TECHNICAL_LEAD,
        Role.BUSINESS_LEAD,
        Role.END_USER,
    )
    assert roles_on(Side.VENDOR) == (
        Role.ACCOUNT_OWNER,
        Role.IMPLEMENTATION_LEAD,
        Role.TECHNICAL_SUPPORT,
        Role.PRODUCT_SUPPORT,
        Role.EXECUTIVE,
    )


def test_role_text_from_the_framework() -> None:
    sponsor = Role.EXECUTIVE_SPONSOR
    assert (sponsor.display_name, sponsor.responsibility, sponsor.time_commitment) == (
        "Executive sponsor",
        "Remove blockers, final decisions",
        "1-2 hrs/week",
    )
    assert Role.IMPLEMENTATION_LEAD.time_commitment == "Dedicated or heavy"
    assert Role.TECHNICAL_SUPPORT.time_commitment == "On-call"
    assert str(Role.END_USER) == "end_user"


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("executive_sponsor", Role.EXECUTIVE_SPONSOR),
        ("Executive sponsor", Role.EXECUTIVE_SPONSOR),
        ("project-lead", Role.PROJECT_LEAD),
        ("end users", Role.END_USER),
        ("vendor executive", Role.EXECUTIVE),
    ],
)
def test_role_parse(text: str, role: Role) -> None:
    assert Role.parse(text) is role


def test_role_parse_error() -> None:
    with pytest.raises(DomainError, match=r"^Unknown role 'cto'\. Use one of: executive_sponsor,"):
        Role.parse("cto")


def test_decision_maker() -> None:
    assert decision_maker_roles([Role.PROJECT_LEAD, Role.EXECUTIVE_SPONSOR]) == (
        Role.EXECUTIVE_SPONSOR,
    )
    assert decision_maker_roles([Role.PROJECT_LEAD, Role.TECHNICAL_LEAD]) == (Role.PROJECT_LEAD,)
    assert decision_maker_roles([]) == (Role.PROJECT_LEAD,)


def test_starter_risks() -> None:
    assert [(r.category, r.risk, r.mitigation) for r in STARTER_RISKS] == [
        (RiskCategory.TECHNICAL, "Integration fails", "Test environment first, support ready"),
        (RiskCategory.BUSINESS, "Metrics not achieved", "Conservative targets, early warning"),
        (RiskCategory.TIMELINE, "Delays", "Buffer time, clear dependencies"),
        (RiskCategory.SCOPE, "Scope creep", "Written scope, change process"),
    ]
    assert RiskCategory.BUSINESS.examples == ("Metrics not achieved", "User adoption")
