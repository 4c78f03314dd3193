"""Pilot Team Structure: the customer's and the vendor's roles."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from bot.core.errors import DomainError


class Side(StrEnum):
    CUSTOMER = "customer"
    VENDOR = "vendor"


@dataclass(frozen=True)
class RoleGuide:
    side: Side
    display_name: str
    responsibility: str
    time_commitment: str


class Role(StrEnum):
    EXECUTIVE_SPONSOR = "executive_sponsor"
    PROJECT_LEAD = "project_lead"
    TECHNICAL_LEAD = "technical_lead"
    BUSINESS_LEAD = "business_lead"
    END_USER = "end_user"
    ACCOUNT_OWNER = "account_owner"
    IMPLEMENTATION_LEAD = "implementation_lead"
    TECHNICAL_SUPPORT = "technical_support"
    PRODUCT_SUPPORT = "product_support"
    EXECUTIVE = "executive"

    @property
    def guide(self) -> RoleGuide:
        return ROLE_GUIDES[self]

    @property
    def side(self) -> Side:
        return ROLE_GUIDES[self].side

    @property
    def display_name(self) -> str:
        return ROLE_GUIDES[self].display_name

    @property
    def responsibility(self) -> str:
        return ROLE_GUIDES[self].responsibility

    @property
    def time_commitment(self) -> str:
        return ROLE_GUIDES[self].time_commitment

    @classmethod
    def parse(cls, text: str) -> Role:
        """Accept "executive_sponsor", "Executive sponsor", "executive-sponsor", "end users"."""
        key = "_".join(text.strip().lower().replace("-", " ").replace("_", " ").split())
        key = {"end_users": "end_user", "vendor_executive": "executive"}.get(key, key)
        for member in cls:
            if key == member.value:
                return member
        names = ", ".join(member.value for member in cls)
        raise DomainError(f"Unknown role '{text.strip()}'. Use one of: {names}.")


ROLE_GUIDES: dict[Role, RoleGuide] = {
    Role.EXECUTIVE_SPONSOR: RoleGuide(
        Side.CUSTOMER, "Executive sponsor", "Remove blockers, final decisions", "1-2 hrs/week"
    ),
    Role.PROJECT_LEAD: RoleGuide(
        Side.CUSTOMER, "Project lead", "Day-to-day coordination", "3-5 hrs/week"
    ),
    Role.TECHNICAL_LEAD: RoleGuide(
        Side.CUSTOMER, "Technical lead", "Integration, troubleshooting", "2-4 hrs/week"
    ),
    Role.BUSINESS_LEAD: RoleGuide(
        Side.CUSTOMER, "Business lead", "Use case, user feedback", "2-3 hrs/week"
    ),
    Role.END_USER: RoleGuide(Side.CUSTOMER, "End user", "Testing, feedback", "As needed"),
    Role.ACCOUNT_OWNER: RoleGuide(
        Side.VENDOR, "Account owner", "Relationship, escalation", "2-3 hrs/week"
    ),
    Role.IMPLEMENTATION_LEAD: RoleGuide(
        Side.VENDOR, "Implementation lead", "Technical delivery", "Dedicated or heavy"
    ),
    Role.TECHNICAL_SUPPORT: RoleGuide(
        Side.VENDOR, "Technical support", "Troubleshooting", "On-call"
    ),
    Role.PRODUCT_SUPPORT: RoleGuide(
        Side.VENDOR, "Product support", "Feature questions", "As needed"
    ),
    # Not in the team table: the framework's Escalation Path ends with
    # "Executive escalation (48 hours)", so that is this role's job.
    Role.EXECUTIVE: RoleGuide(
        Side.VENDOR, "Vendor executive", "Executive escalation (after 48 hours)", "On escalation"
    ),
}


def roles_on(side: Side) -> tuple[Role, ...]:
    return tuple(role for role in Role if role.side is side)


def decision_maker_roles(assigned: Iterable[Role]) -> tuple[Role, ...]:
    """Who makes the go/no-go calls: the executive sponsor, or the project lead without one.

    Returns the project lead even when nobody holds that role yet, so callers
    can say which role is missing.
    """
    if Role.EXECUTIVE_SPONSOR in set(assigned):
        return (Role.EXECUTIVE_SPONSOR,)
    return (Role.PROJECT_LEAD,)
