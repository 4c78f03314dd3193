"""The plan value: everything the cadence is computed from.

`Plan(...)` (and `dataclasses.replace`) checks the plan is well formed and
raises PlanError otherwise. Whether it fits the framework's bands is a separate
question (`validate_plan`), so a stored plan always loads even if the bands or
the user's override change later.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from holidays.registry import COUNTRIES

from bot.core.bands import band_warnings
from bot.core.errors import PlanError
from bot.core.phases import Phase
from bot.core.pilot_types import PilotType
from bot.core.ramps import Ramp

MAX_WEEKS = 52
# Entries of each per-plan cache (the parsed plan, its milestones, ramp days, warnings).
# A tick reuses a plan within its batch of 100 pilots and the status path reads stored
# answers, so a few hundred suffice; at 4,096 they held about 27 MB with 10,000 pilots.
PLAN_CACHE = 512
MAX_EVALUATION_WEEKS = 8
DEFAULT_CHECKIN = time(9, 30)
DEFAULT_REVIEW_TIME = time(10, 0)
REMINDER_DELAY = timedelta(hours=4)
_LATEST_REMINDER = time(23, 59)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Plan:
    name: str
    customer: str
    pilot_type: PilotType
    start: date
    weeks: int
    ramp: Ramp
    tz: str  # IANA name; local times below are wall times in this zone
    checkin: time = DEFAULT_CHECKIN
    review_weekday: int = 0  # 0 = Monday, as date.weekday()
    review_time: time = DEFAULT_REVIEW_TIME
    holiday_country: str | None = None
    skip_dates: frozenset[date] = field(default_factory=frozenset)
    checkins_from: Phase = Phase.SOFT_LAUNCH
    # None means "check-in + 4 h", kept as None so it follows a later check-in change.
    reminder: time | None = None
    evaluation_weeks: int = 1
    override: bool = False

    def __post_init__(self) -> None:
        _check_well_formed(self)

    @classmethod
    def create(
        cls,
        *,
        name: str,
        customer: str,
        pilot_type: PilotType | str,
        start: date,
        ramp: Ramp | str,
        tz: str,
        weeks: int | None = None,
        checkin: time = DEFAULT_CHECKIN,
        review_weekday: int = 0,
        review_time: time = DEFAULT_REVIEW_TIME,
        holiday_country: str | None = None,
        skip_dates: Iterable[date] = (),
        checkins_from: Phase | str = Phase.SOFT_LAUNCH,
        reminder: time | None = None,
        evaluation_weeks: int = 1,
        override: bool = False,
    ) -> Plan:
        """Build a plan from loose input: parses strings, fills the type's shortest length.

        Only checks the plan is well formed; call `validate_plan` before saving.
        """
        kind = pilot_type if isinstance(pilot_type, PilotType) else PilotType.parse(pilot_type)
        country = holiday_country.strip().upper() if holiday_country else None
        return cls(
            name=name.strip(),
            customer=customer.strip(),
            pilot_type=kind,
            start=start,
            weeks=kind.guide.min_weeks if weeks is None else weeks,
            ramp=ramp if isinstance(ramp, Ramp) else Ramp.parse(ramp),
            tz=tz.strip(),
            checkin=checkin,
            review_weekday=review_weekday,
            review_time=review_time,
            holiday_country=country or None,
            skip_dates=frozenset(skip_dates),
            checkins_from=(
                checkins_from if isinstance(checkins_from, Phase) else Phase.parse(checkins_from)
            ),
            reminder=reminder,
            evaluation_weeks=evaluation_weeks,
            override=override,
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)  # ZoneInfo caches instances by key

    @property
    def hard_end_date(self) -> date:
        """The last day of the last pilot week."""
        return self.start + timedelta(days=7 * self.weeks - 1)

    @property
    def evaluation_start_date(self) -> date:
        return self.hard_end_date + timedelta(days=1)

    @property
    def evaluation_end_date(self) -> date:
        return self.hard_end_date + timedelta(days=7 * self.evaluation_weeks)

    @property
    def total_weeks(self) -> int:
        """Pilot weeks plus evaluation weeks: the week count runs on through evaluation."""
        return self.weeks + self.evaluation_weeks

    def week_start(self, week: int) -> date:
        """First day of `week` (1-based; weeks past N are evaluation weeks)."""
        return self.start + timedelta(days=7 * (week - 1))

    def week_end(self, week: int) -> date:
        return self.week_start(week) + timedelta(days=6)

    @property
    def reminder_time(self) -> time:
        """The effective reminder: explicit, or check-in + 4 h (capped at 23:59, same day)."""
        if self.reminder is not None:
            return self.reminder
        # Naive on purpose: pure wall-clock arithmetic on a dummy day, no instant involved.
        later = datetime.combine(date.min, self.checkin) + REMINDER_DELAY
        if later.date() != date.min:
            return _LATEST_REMINDER
        return later.time()

    @property
    def review_weekday_name(self) -> str:
        return WEEKDAYS[self.review_weekday]


def plan_warnings(plan: Plan) -> list[str]:
    """Human sentences for every way the plan leaves its type's framework bands."""
    return band_warnings(plan.pilot_type, plan.weeks, plan.ramp)


def validate_plan(plan: Plan) -> list[str]:
    """Return the band warnings; raise PlanError listing them unless the plan has an override."""
    warnings = plan_warnings(plan)
    if warnings and not plan.override:
        raise PlanError(
            " ".join(warnings) + " Add override to keep this plan anyway.",
            problems=warnings,
        )
    return warnings


@cache
def _supported_countries() -> frozenset[str]:
    # The registry lists each country's codes without importing its module:
    # holidays.list_supported_countries() would import all 250 (about 8 MB, for good).
    return frozenset(
        code
        for names in COUNTRIES.values()
        for code in names[1:]
        if code.isupper() and len(code) in (2, 3)
    )


def _check_well_formed(plan: Plan) -> None:
    if not plan.name.strip():
        raise PlanError("The pilot needs a name.")
    if isinstance(plan.weeks, bool) or not 1 <= plan.weeks <= MAX_WEEKS:
        raise PlanError(f"A pilot runs 1 to {MAX_WEEKS} weeks, e.g. 6; got {plan.weeks}.")
    if isinstance(plan.evaluation_weeks, bool) or not (
        1 <= plan.evaluation_weeks <= MAX_EVALUATION_WEEKS
    ):
        raise PlanError(
            f"The evaluation lasts 1 to {MAX_EVALUATION_WEEKS} weeks, e.g. 1;"
            f" got {plan.evaluation_weeks}."
        )
    _check_zone(plan.tz)
    if isinstance(plan.review_weekday, bool) or plan.review_weekday not in range(7):
        raise PlanError("The review weekday must be 0 (Monday) to 6 (Sunday).")
    for label, value in (("check-in", plan.checkin), ("review", plan.review_time)):
        _check_wall_time(label, value)
    if plan.holiday_country is not None and plan.holiday_country not in _supported_countries():
        raise PlanError(
            f"Unknown holiday country '{plan.holiday_country}'."
            " Use a two-letter country code such as US, GB or DE."
        )
    if plan.checkins_from not in (Phase.SETUP, Phase.SOFT_LAUNCH):
        raise PlanError("Daily check-ins can start in Setup or Soft Launch.")
    if plan.reminder is not None:
        _check_wall_time("reminder", plan.reminder)
        if plan.reminder <= plan.checkin:
            raise PlanError(
                f"The reminder ({plan.reminder:%H:%M}) must be later than"
                f" the check-in ({plan.checkin:%H:%M})."
            )


def _check_zone(tz: str) -> None:
    problem = PlanError(
        f"Unknown timezone '{tz}'. Use an IANA name such as America/New_York.",
        usage="America/New_York | Europe/Berlin | Asia/Tokyo",
    )
    if not tz.strip():
        raise problem
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: "America", too long
        raise problem from exc


def _check_wall_time(label: str, value: time) -> None:
    # Local times are wall times in the plan's zone; a tz on them would be ignored silently.
    if value.tzinfo is not None:
        raise PlanError(f"The {label} time is a local time; give it without a timezone.")
