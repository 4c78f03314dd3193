"""Who may do what: the framework's roles decide, and the rule lives in one place."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from bot.core.roles import Role, Side, decision_maker_roles

# Customer-side roles that, besides every vendor role, may change the plan.
_CUSTOMER_PLANNERS = frozenset({Role.PROJECT_LEAD, Role.EXECUTIVE_SPONSOR})

PLAN_EDITORS = (
    "the pilot's owner, vendor-side team members, the project lead or the executive sponsor"
)


def may_change_plan(*, user_id: str, owner_id: str, roles: Collection[Role]) -> bool:
    """Owner, vendor side, project lead and executive sponsor may change plan, team,
    scope and criteria; anyone in the workspace may read."""
    if user_id == owner_id:
        return True
    return any(role.side is Side.VENDOR or role in _CUSTOMER_PLANNERS for role in roles)


RECORD_KEEPERS = "the pilot's owner and the members of its team"


def may_record(*, user_id: str, owner_id: str, roles: Collection[Role]) -> bool:
    """Owner and anyone holding a role may record metrics, priorities, checklist ticks,
    lessons learned and ramp confirmations."""
    return user_id == owner_id or bool(roles)


def decision_maker(holders: Iterable[tuple[str, Role]]) -> tuple[Role, list[str]]:
    """The deciding role (see ``decision_maker_roles``) and the users who hold it."""
    pairs = list(holders)
    (role,) = decision_maker_roles(held for _, held in pairs)
    return role, [user for user, held in pairs if held is role]
