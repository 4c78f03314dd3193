"""Metrics pushed in by monitoring, over real HTTP to the bot's server: what is recorded
shows in `/pilot status` and the next weekly review; every refusal says why."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, select

from devtools.harness import running_bot
from storage.db import unit_of_work
from storage.models import MetricValue
from storage.record import add_criterion
from tests.cadence_helpers import schedule_pilot
from tests.helpers import CHANNEL, store_member
from tests.plan_helpers import answer
from tests.review_helpers import idle, post, walk

PUBLIC = "https://pilot-bot.example.com"
NOW = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)  # Thursday of week 1, as the clock starts


@pytest.fixture
def served(emulator, engine, clock):
    with running_bot(emulator=emulator, engine=engine, clock=clock, public_url=PUBLIC) as bot:
        pilot = schedule_pilot(engine, NOW)
        store_member(engine, pilot, "U0002", "end_user")
        with unit_of_work(engine) as session:
            for name, target in (("Containment rate", ">= 60%"), ("Latency", "under 2 s")):
                add_criterion(session=session, pilot_id=pilot.id, name=name, target=target,
                              user_id="U0001", at=datetime(2026, 12, 1, tzinfo=UTC))
        yield bot


def _token(bot, user_id: str = "U0001") -> str:
    text = bot.sender.command("metrics token", user_id=user_id).json()["text"]
    (token,) = set(re.findall(r"pbm_[A-Za-z0-9_-]{40,}", text))
    return token


def _push(bot, path: str, body: Any, token: str | None, *, raw: bytes | None = None):
    data = raw if raw is not None else json.dumps(body).encode()
    request = urllib.request.Request(f"{bot.url}{path}", data=data, method="POST")
    request.add_header("Content-Type", "application/json")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, json.loads(answer.read()), answer.headers
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), error.headers


def _values(bot) -> list[MetricValue]:
    with unit_of_work(bot.engine) as session:
        return list(session.exec(select(MetricValue).order_by(MetricValue.id)).all())


def alertmanager(*alerts: dict[str, Any]) -> dict[str, Any]:
    return {"version": "4", "status": "firing", "receiver": "pilot-bot", "groupKey": "{}:{}",
            "truncatedAlerts": 0, "groupLabels": {}, "commonLabels": {},
            "commonAnnotations": {}, "externalURL": "http://alertmanager:9093",
            "alerts": list(alerts)}


def am_alert(criterion: str, value: str, *, status: str = "firing",
             fingerprint: str = "c0ffee") -> dict[str, Any]:
    return {"status": status, "labels": {"alertname": "PilotMetric", "criterion": criterion},
            "annotations": {"value": value}, "startsAt": "2026-12-10T14:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "", "fingerprint": fingerprint}


def grafana(values: dict[str, Any], **labels: str) -> dict[str, Any]:
    return {"receiver": "pilot-bot", "status": "firing", "orgId": 1, "version": "1",
            "alerts": [{"status": "firing", "labels": {"alertname": "Pilot", **labels},
                        "annotations": {}, "startsAt": "2026-12-10T14:00:00Z",
                        "endsAt": "0001-01-01T00:00:00Z", "fingerprint": "beef",
                        "values": values}]}


def test_each_endpoint_records_values_that_show_in_status_and_the_weekly_review(served):
    token = _token(served)
    status, body, _ = _push(served, "/api/v1/metrics",
                            {"criterion": "  latency ", "value": 2.4, "source": "datadog",
                             "observed_at": "2026-12-10T14:00:00Z"}, token)
    assert status == 202
    assert body["recorded"] == [{"criterion": "C-2", "name": "Latency", "value": 2.4,
                                 "shown_as": "2.4 s", "observed_at": "2026-12-10T14:00:00+00:00",
                                 "source": "datadog"}]
    status, body, _ = _push(served, "/api/v1/metrics/alertmanager",
                            alertmanager(am_alert("C-2", "1.8"),
                                         am_alert("C-1", "40", status="resolved")), token)
    assert (status, [(r["criterion"], r["shown_as"], r["source"]) for r in body["recorded"]]) == (
        202, [("C-2", "1.8 s", "alertmanager")])  # the resolved alert is ignored
    status, body, _ = _push(served, "/api/v1/metrics/grafana",
                            grafana({"A": 58.2, "B": 1}, criterion="C-1", value_ref="A"), token)
    assert (status, body["recorded"][0]["shown_as"], body["recorded"][0]["source"]) == (
        202, "58.2%", "grafana")
    text = served.sender.command("status", user_id="U0002").json()["text"]
    assert "C-1 Containment rate: *58.2%* (target &gt;= 60%) · below target" in text
    latency = "C-2 Latency: *1.8 s* (target &lt; 2 s) · met · recorded Thu Dec 10 from alertmanager"
    assert latency in text
    assert "recorded Thu Dec 10 from grafana" in text
    # The documents too: the metrics report says where each value came from.
    assert served.sender.command("report metrics format=csv").status == 200
    (report,) = served.emulator.wait_for(lambda e: [f for f in e.files() if f.completed])
    assert "58.2%" in report.content.decode() and "grafana (pushed)" in report.content.decode()
    # The next weekly review (Monday 10:00) reads the same record.
    walk(served, datetime(2026, 12, 14, 15, 1, tzinfo=UTC), kinds=("weekly_review",))
    review = post(served.emulator, "weekly_review:w2")
    shown = json.dumps(review.blocks, ensure_ascii=False)
    assert "*58.2%*" in shown and "from grafana" in shown
    assert "*1.8 s* (target &lt; 2 s) · met · ↓ from 2.4 s" in shown


def test_every_refusal_has_its_status_and_says_why(served):
    token = _token(served)
    cases = [
        (None, {}, 401, "a valid bearer token is needed"),
        ("pbm_not-the-token-at-all-xxxxxxxxxxxxxxxxxxxxxxxxxx", {}, 401,
         "a valid bearer token is needed"),
        (token, {"value": 1}, 400, "criterion is missing"),
        (token, {"criterion": "C-1"}, 400, "value is missing"),
        (token, {"criterion": "C-1", "value": "lots"}, 400, "value must be a number"),
        (token, {"criterion": "C-1", "value": True}, 400, "value must be a number"),
        (token, {"criterion": "C-1", "value": "Infinity"}, 400, "value must be a finite number"),
        (token, {"criterion": "C-1", "value": 1, "observed_at": "2026-12-01T10:00:00Z"}, 400,
         "observed_at must lie between the pilot's start and 5 minutes from now"),
        (token, {"criterion": "C-1", "value": 1, "observed_at": "2026-12-10T15:06:00Z"}, 400,
         "observed_at must lie between the pilot's start and 5 minutes from now"),
        (token, {"criterion": "C-1", "value": 1, "observed_at": "2026-12-10T10:00:00"}, 400,
         "observed_at needs its offset"),
        (token, [{"criterion": "C-1", "value": 1}] * 101, 400, "at most 100 values"),
    ]
    for bearer, body, status, said in cases:
        got, answer, headers = _push(served, "/api/v1/metrics", body, bearer)
        assert (got, said in answer["error"]) == (status, True), (body, answer)
        if status == 401:
            assert headers["WWW-Authenticate"] == "Bearer"
    # The field is named, in a list too; one invalid value and nothing is recorded.
    batch = [{"criterion": "C-1", "value": 61}, {"criterion": "C-2", "value": "NaN"}]
    assert _push(served, "/api/v1/metrics", batch, token)[:2] == (
        400, {"error": "value must be a finite number", "field": "[1].value"})
    got, answer, _ = _push(served, "/api/v1/metrics", [*batch[:1], {"criterion": "Uptime",
                                                                     "value": 1}], token)
    assert (got, answer["error"], answer["field"]) == (
        422, "the pilot has no criterion 'Uptime'", "[1].criterion")
    assert [c["criterion"] for c in answer["criteria"]] == ["C-1", "C-2"]
    assert answer["criteria"][0] == {"criterion": "C-1", "name": "Containment rate",
                                     "target": ">= 60%"}
    got, answer, _ = _push(served, "/api/v1/metrics", None, token, raw=b'{"criterion": "C-1",')
    assert (got, answer["error"].startswith("the body is not valid JSON")) == (400, True)
    got, answer, _ = _push(served, "/api/v1/metrics", None, token, raw=b" " * (256 * 1024 + 1))
    assert (got, answer["error"]) == (413, "the body is over 256 KiB")
    got, answer, _ = _push(served, "/api/v1/metrics/alertmanager",
                           {**alertmanager(am_alert("C-1", "5")), "version": "3"}, token)
    assert (got, answer["field"]) == (400, "version")
    got, answer, _ = _push(served, "/api/v1/metrics/alertmanager",
                           alertmanager({**am_alert("C-1", "5"), "annotations": {}}), token)
    assert (got, answer["field"]) == (400, "alerts[0].annotations.value")
    got, answer, _ = _push(served, "/api/v1/metrics/grafana", grafana({"A": 1, "B": 2},
                                                                       criterion="C-1"), token)
    assert (got, answer["field"]) == (400, "alerts[0].values")
    assert _values(served) == []  # nothing refused was recorded, not even the valid half


def test_more_than_60_requests_a_minute_are_told_when_to_come_back(served, clock):
    token = _token(served)
    for _ in range(60):  # malformed, so cheap: they count all the same
        assert _push(served, "/api/v1/metrics", None, token, raw=b"{")[0] == 400
    got, answer, headers = _push(served, "/api/v1/metrics", {"criterion": "C-1", "value": 1},
                                 token)
    assert (got, headers["Retry-After"]) == (429, "60")
    assert "60 requests a minute" in answer["error"]
    clock.set(NOW + timedelta(seconds=30))
    assert _push(served, "/api/v1/metrics", {}, token)[2]["Retry-After"] == "30"
    clock.set(NOW + timedelta(seconds=60))
    assert _push(served, "/api/v1/metrics", {"criterion": "C-1", "value": 1}, token)[0] == 202


def test_the_same_idempotency_key_records_once(served):
    token = _token(served)
    value = {"criterion": "C-1", "value": 52, "idempotency_key": "probe-2026-12-10"}
    first = _push(served, "/api/v1/metrics", [value, value], token)[1]
    assert (len(first["recorded"]), len(first["duplicates"])) == (1, 1)
    again = _push(served, "/api/v1/metrics", value, token)[1]
    assert (again["recorded"], len(again["duplicates"])) == ([], 1)
    # Alertmanager sends a firing alert again: its fingerprint and startsAt are the key.
    for _ in range(2):
        _push(served, "/api/v1/metrics/alertmanager", alertmanager(am_alert("C-1", "53")), token)
    other = alertmanager(am_alert("C-1", "54", fingerprint="another"))
    assert len(_push(served, "/api/v1/metrics/alertmanager", other, token)[1]["recorded"]) == 1
    assert [v.typed for v in _values(served)] == ["52%", "53%", "54%"]


def test_a_new_token_replaces_the_old_revoke_ends_it_and_no_table_holds_it(served):
    value = {"criterion": "C-1", "value": 52}
    refused = served.sender.command("metrics token", user_id="U0002").json()["text"]
    assert "Only the pilot's owner" in refused  # a team member who is not an editor
    old = _token(served)
    new = _token(served)
    assert _push(served, "/api/v1/metrics", value, old)[0] == 401
    assert _push(served, "/api/v1/metrics", value, new)[0] == 202
    _nowhere_in_the_clear(served, new)  # only its hash is kept
    said = served.sender.command("metrics revoke").json()["text"]
    assert "Revoked" in said
    assert _push(served, "/api/v1/metrics", value, new)[0] == 401
    assert "no metrics token to revoke" in served.sender.command("metrics revoke").json()["text"]

    for token in (old, new):  # nor, revoked or replaced, anywhere later
        _nowhere_in_the_clear(served, token)


def _nowhere_in_the_clear(served, token: str) -> None:
    secret = token.removeprefix("pbm_")
    found = []
    with served.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for row in connection.execute(sa_select(table)):
                if any(secret in str(cell) for cell in row):
                    found.append(table.name)
    assert found == []
    assert served.emulator.calls_to("chat.postMessage") == []  # nor was it ever posted


def test_text_no_column_can_hold_is_a_400_or_dropped_never_a_503(served):
    # A lone surrogate ("\ud800", JSON-escaped) or a NUL in a stored field made the insert
    # fail and the sender was told 503 "try again", for a body that can never be recorded.
    token = _token(served)
    for key in ("\ud800k", "k\u0000"):
        got, answer, _ = _push(served, "/api/v1/metrics",
                               {"criterion": "C-1", "value": 1, "idempotency_key": key}, token)
        assert (got, answer["field"]) == (400, "idempotency_key"), answer
    got, answer, _ = _push(served, "/api/v1/metrics",
                           {"criterion": "C-1", "value": 1, "source": "da\ud800ta\u0000dog"}, token)
    assert (got, answer["recorded"][0]["source"]) == (202, "datadog")
    odd = {**am_alert("C-2", "1.5"), "fingerprint": "c0\u0000ffee\udfff",
           "startsAt": "2026-12-10T14:00:00Z\ud800"}
    got, answer, _ = _push(served, "/api/v1/metrics/alertmanager", alertmanager(odd), token)
    assert (got, len(answer["recorded"])) == (202, 1)
    # A number just under the bound that rounds up to it is as large as the bound itself.
    got, answer, _ = _push(served, "/api/v1/metrics",
                           {"criterion": "C-1", "value": "999999999999999.9999999"}, token)
    assert (got, answer["error"]) == (400, "value is too large")
    assert [(v.source, v.idempotency_key) for v in _values(served)] == [
        ("datadog", None), ("alertmanager", "alertmanager:c0ffee:2026-12-10T14:00:00Z")]


def test_metrics_without_its_subcommand_gets_the_usage_not_not_a_command(served):
    # `metrics` was the one group with no bare command: `/pilot metrics` said "`metrics` is
    # not a /pilot command" and listed every command, `/pilot metrics token` among them.
    for line in ("metrics", "metrics rotate", "metrics <!channel> now", "METRICS token=1"):
        said = answer(served, line)
        assert said == "`metrics` needs `token` or `revoke`. Usage: `/pilot metrics <token|revoke>`"
    assert "is not a /pilot command" in answer(served, "launch rockets")


def test_a_pushed_value_rewrites_the_pilots_canvas(served):
    """The canvas shows each criterion's latest value: one pushed in is a change like a
    typed one, so delivery rewrites the canvas with it."""
    token = _token(served)
    assert "Created the channel's canvas" in served.sender.command("canvas").json()["text"]
    assert "58.2%" not in (served.emulator.canvas(CHANNEL) or "x")
    status, _, _ = _push(served, "/api/v1/metrics", {"criterion": "C-1", "value": 58.2}, token)
    assert status == 202
    idle(served)
    assert "| C-1 Containment rate | \\>= 60% | 58.2% (Thu Dec 10) |" in (
        served.emulator.canvas(CHANNEL) or "")
    assert len(served.emulator.calls_to("canvases.edit")) == 1
