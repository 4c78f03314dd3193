"""Success-criteria values pushed in by monitoring: the bodies the intake API takes, read
into values, and matched to the pilot's criteria.

Three shapes: the bot's own (`POST /api/v1/metrics`, an object or a list of them),
Prometheus Alertmanager's webhook (version 4: each firing alert's ``criterion`` label
and ``value`` annotation) and Grafana's webhook (each firing alert's ``criterion`` label
and the entry of its ``values`` that the ``value_ref`` label names, or the only one).
A body is taken whole or not at all: the first problem is the answer, naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.core.criteria import Criterion, plain_number
from bot.core.targets import Target

MAX_ITEMS = 100  # values in one request
MAX_SOURCE = 40
MAX_KEY = 200  # as sent; stored with a prefix naming the endpoint
FUTURE_LEEWAY = timedelta(minutes=5)  # a monitoring clock a little ahead is fine
MAX_MAGNITUDE = Decimal(10) ** 15
DECIMALS = 6
API_SOURCE, ALERTMANAGER, GRAFANA = "api", "alertmanager", "grafana"
_PREFIX_UNITS = ("$", "€", "£")
_REF = re.compile(r"C\s*-?\s*([0-9]{1,9})", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# What no database column can hold: NUL (PostgreSQL refuses it in text) and lone UTF-16
# surrogates, which JSON's "\ud800" escape yields and UTF-8 cannot encode; stored, either
# made the insert fail and the sender was told 503 "try again" for a body that never works.
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


class IntakeError(Exception):
    """A body the intake refuses: the HTTP status, a sentence, the field it is about."""

    def __init__(
        self, status: int, message: str, field: str = "", extra: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.field = status, message, field
        self.extra = dict(extra or {})

    def body(self) -> dict[str, Any]:
        found: dict[str, Any] = {"error": self.message}
        if self.field:
            found["field"] = self.field
        return {**found, **self.extra}


@dataclass(frozen=True)
class PushedValue:
    """One value as the body gave it, before it is matched to a criterion."""

    criterion: str
    value: Decimal
    observed_at: datetime | None  # None: now
    source: str
    idempotency_key: str | None
    where: str = ""  # the item's place in the body ("[2]", "alerts[0]"), for errors


@dataclass(frozen=True)
class Matched:
    """A value ready to record: its criterion, the number in the criterion's unit."""

    criterion: Criterion
    value: Decimal
    typed: str  # the number with the target's unit: "58.2%"
    observed_at: datetime
    source: str
    idempotency_key: str | None = field(default=None)


# ----- the three bodies -------------------------------------------------------------------


def from_api(body: Any) -> list[PushedValue]:
    """``{"criterion": "C-1", "value": 58.2, ...}`` or a list of up to 100 of them."""
    if isinstance(body, list):
        if not body:
            raise IntakeError(400, "the list holds no values", "")
        if len(body) > MAX_ITEMS:
            raise IntakeError(400, f"at most {MAX_ITEMS} values in one request", "")
        return [_api_item(item, f"[{i}]") for i, item in enumerate(body)]
    return [_api_item(body, "")]


def _api_item(item: Any, where: str) -> PushedValue:
    if not isinstance(item, dict):
        raise IntakeError(400, "each value must be a JSON object", where)
    criterion = _text(item, "criterion", where, required=True)
    if "value" not in item:
        raise IntakeError(400, "value is missing", _at(where, "value"))
    observed = item.get("observed_at")
    return PushedValue(
        criterion=criterion,
        value=number(item["value"], _at(where, "value")),
        observed_at=None if observed is None else instant(observed, _at(where, "observed_at")),
        source=_source(item.get("source"), _at(where, "source")) or API_SOURCE,
        idempotency_key=_key(item.get("idempotency_key"), _at(where, "idempotency_key")),
        where=where,
    )


def from_alertmanager(body: Any) -> list[PushedValue]:
    """Alertmanager's webhook (version 4): each firing alert's ``criterion`` label names the
    criterion and its ``value`` annotation holds the number; resolved alerts are ignored.
    The fingerprint and ``startsAt`` make the idempotency key: a notification sent again
    (a retry, the repeat interval) records nothing more."""
    alerts = _alerts(body)
    if str(body.get("version", "")) != "4":
        raise IntakeError(400, "only Alertmanager's webhook version 4 is understood", "version")
    found = []
    for index, alert in _firing(alerts):
        where = f"alerts[{index}]"
        labels = _mapping(alert, "labels", where)
        annotations = _mapping(alert, "annotations", where)
        if "value" not in annotations:
            raise IntakeError(400, "the value annotation is missing", f"{where}.annotations.value")
        # Both make the stored idempotency key: nothing a column cannot hold (see _UNSTORABLE).
        fingerprint = _UNSTORABLE.sub("", str(alert.get("fingerprint") or ""))
        starts = _UNSTORABLE.sub("", str(alert.get("startsAt") or ""))
        if not fingerprint or not starts:
            raise IntakeError(400, "fingerprint and startsAt are needed", where)
        found.append(
            PushedValue(
                criterion=_text(labels, "criterion", f"{where}.labels", required=True),
                value=number(annotations["value"], f"{where}.annotations.value"),
                observed_at=None,
                source=_source(labels.get("source"), f"{where}.labels.source") or ALERTMANAGER,
                idempotency_key=f"alertmanager:{fingerprint[:100]}:{starts[:60]}",
                where=where,
            )
        )
    return found


def from_grafana(body: Any) -> list[PushedValue]:
    """Grafana's webhook: per firing alert, the ``criterion`` label and the entry of
    ``values`` the ``value_ref`` label names (or its only entry)."""
    found = []
    for index, alert in _firing(_alerts(body)):
        where = f"alerts[{index}]"
        labels = _mapping(alert, "labels", where)
        values = _mapping(alert, "values", where)
        ref = labels.get("value_ref")
        if ref is not None:
            if str(ref) not in values:
                raise IntakeError(
                    400, f"values has no entry {str(ref)[:40]!r} (the value_ref label)",
                    f"{where}.values",
                )
            raw = values[str(ref)]
        elif len(values) == 1:
            (raw,) = values.values()
        else:
            raise IntakeError(
                400,
                "values must hold one entry, or a value_ref label must name one",
                f"{where}.values",
            )
        found.append(
            PushedValue(
                criterion=_text(labels, "criterion", f"{where}.labels", required=True),
                value=number(raw, f"{where}.values"),
                observed_at=None,
                source=_source(labels.get("source"), f"{where}.labels.source") or GRAFANA,
                idempotency_key=None,
                where=where,
            )
        )
    return found


# ----- matching to the pilot's criteria --------------------------------------------------------


def match(
    values: Sequence[PushedValue],
    criteria: Sequence[Criterion],
    *,
    starts: datetime,
    now: datetime,
) -> list[Matched]:
    """Each value with its criterion (by C-n or name), observed between the pilot's start
    and five minutes from now; 422 for a criterion the pilot does not have."""
    by_ref = {c.number: c for c in criteria}
    by_name = {_name_key(c.name): c for c in criteria}
    matched = []
    for pushed in values:
        ref = _REF.fullmatch(pushed.criterion.strip())
        criterion = (
            by_ref.get(int(ref.group(1))) if ref else by_name.get(_name_key(pushed.criterion))
        )
        if criterion is None:
            known = [
                {"criterion": f"C-{c.number}", "name": c.name, "target": c.target_text}
                for c in criteria
            ]
            raise IntakeError(
                422,
                f"the pilot has no criterion {pushed.criterion.strip()[:60]!r}",
                _at(pushed.where, "criterion"),
                {"criteria": known},
            )
        at = pushed.observed_at or now
        if at < starts or at > now + FUTURE_LEEWAY:
            raise IntakeError(
                400,
                "observed_at must lie between the pilot's start and 5 minutes from now",
                _at(pushed.where, "observed_at"),
            )
        matched.append(
            Matched(
                criterion=criterion,
                value=pushed.value,
                typed=in_unit(pushed.value, criterion.target),
                observed_at=min(at, now),  # a clock a little ahead counts from now
                source=pushed.source,
                idempotency_key=pushed.idempotency_key,
            )
        )
    return matched


def in_unit(value: Decimal, target: Target | None) -> str:
    """The number as the team would type it, in the target's unit: "58.2%", "1.8 s"."""
    number_text = plain_number(value)
    unit = target.unit if target is not None else ""
    if unit in _PREFIX_UNITS:
        return f"{unit}{number_text}"
    if not unit or unit == "%" or unit.startswith("/"):
        return f"{number_text}{unit}"
    return f"{number_text} {unit}"


# ----- fields ---------------------------------------------------------------------------------


def number(raw: Any, where: str) -> Decimal:
    """A JSON number, or a string holding one (Alertmanager's annotations are strings)."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise IntakeError(400, "value must be a number", where)
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise IntakeError(400, "value must be a number", where) from None
    if not value.is_finite():
        raise IntakeError(400, "value must be a finite number", where)
    # Checked again once rounded: "999999999999999.9999999" rounds up to the bound itself
    # (the same number sent as a JSON float was refused). Rounding first would raise on
    # exponents such as 1E+999999, so the first check stays.
    if abs(value) >= MAX_MAGNITUDE or abs(rounded := round(value, DECIMALS)) >= MAX_MAGNITUDE:
        raise IntakeError(400, "value is too large", where)
    return rounded


def instant(raw: Any, where: str) -> datetime:
    """An ISO 8601 instant with its offset ("2026-12-14T10:00:00Z")."""
    if not isinstance(raw, str):
        raise IntakeError(400, "observed_at must be an ISO 8601 string", where)
    try:
        found = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise IntakeError(400, "observed_at is not an ISO 8601 instant", where) from None
    if found.tzinfo is None or found.utcoffset() is None:
        raise IntakeError(400, "observed_at needs its offset, such as Z or +01:00", where)
    return found


def _alerts(body: Any) -> list[Any]:
    if not isinstance(body, dict):
        raise IntakeError(400, "the body must be a JSON object", "")
    alerts = body.get("alerts")
    if not isinstance(alerts, list):
        raise IntakeError(400, "alerts is missing or not a list", "alerts")
    if len(alerts) > MAX_ITEMS:
        raise IntakeError(400, f"at most {MAX_ITEMS} alerts in one request", "alerts")
    return alerts


def _firing(alerts: list[Any]) -> list[tuple[int, dict[str, Any]]]:
    found = []
    for index, alert in enumerate(alerts):
        if not isinstance(alert, dict):
            raise IntakeError(400, "each alert must be a JSON object", f"alerts[{index}]")
        if alert.get("status", "firing") == "firing":
            found.append((index, alert))
    return found


def _mapping(item: dict[str, Any], name: str, where: str) -> dict[str, Any]:
    found = item.get(name)
    if not isinstance(found, dict):
        raise IntakeError(400, f"{name} is missing or not an object", f"{where}.{name}")
    return found


def _text(item: dict[str, Any], name: str, where: str, *, required: bool = False) -> str:
    raw = item.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise IntakeError(400, f"{name} is missing", _at(where, name))
        return ""
    if not isinstance(raw, str):
        raise IntakeError(400, f"{name} must be a string", _at(where, name))
    return raw


def _source(raw: Any, where: str) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise IntakeError(400, "source must be a string", where)
    return " ".join(_CONTROL.sub(" ", _UNSTORABLE.sub("", raw)).split())[:MAX_SOURCE]


def _key(raw: Any, where: str) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.strip():
        raise IntakeError(400, "idempotency_key must be a non-empty string", where)
    if len(raw) > MAX_KEY:
        raise IntakeError(400, f"idempotency_key is longer than {MAX_KEY} characters", where)
    if _UNSTORABLE.search(raw):  # a key is matched exactly: refused, not silently changed
        raise IntakeError(400, "idempotency_key holds a NUL or an unpaired surrogate", where)
    return f"api:{raw}"


def _at(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()
