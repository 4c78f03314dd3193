"""Prometheus metrics: what this process sent, refused and how long things took.

Counters and histograms are per process (each instance is scraped on its own); the
gauges of what is owed and refused for good are read from the database at scrape time,
with two indexed counts. ``/metrics`` serves them only with the ``METRICS_TOKEN`` bearer
token (bot/web.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

REGISTRY = CollectorRegistry(auto_describe=True)

MESSAGES = Counter(
    "pilot_bot_messages_total",
    "Messages delivery settled, by outcome (sent, skipped, refused) and kind.",
    ["outcome", "kind"],
    registry=REGISTRY,
)
DELIVERY_LATENCY = Histogram(
    "pilot_bot_delivery_latency_seconds",
    "From the time a message was due to the time Slack took it.",
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600),
    registry=REGISTRY,
)
SLACK_ERRORS = Counter(
    "pilot_bot_slack_errors_total",
    "Slack's answers other than ok while delivering, by error code.",
    ["error"],
    registry=REGISTRY,
)
TICK_SECONDS = Histogram(
    "pilot_bot_tick_seconds",
    "How long one scheduler tick took.",
    buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30),
    registry=REGISTRY,
)
REQUEST_SECONDS = Histogram(
    "pilot_bot_request_seconds",
    "How long the bot took to answer an HTTP request from Slack, by kind.",
    ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
    registry=REGISTRY,
)


class _Owed(Collector):
    """Messages owed (pending or unknown) and refused for good, counted at scrape time."""

    def __init__(self, count: Callable[[], tuple[int, int]]) -> None:
        self._count = count

    def collect(self) -> Iterable[Metric]:
        owed, refused = self._count()
        yield GaugeMetricFamily("pilot_bot_messages_owed", "Messages not yet in Slack.", owed)
        yield GaugeMetricFamily(
            "pilot_bot_messages_refused", "Messages Slack refused for good.", refused
        )


_collector: _Owed | None = None


def watch_outbox(count: Callable[[], tuple[int, int]]) -> None:
    """Report the outbox's owed and refused counts (``count`` reads them) at scrape time."""
    global _collector
    if _collector is not None:
        REGISTRY.unregister(_collector)
    _collector = _Owed(count)
    REGISTRY.register(_collector)


def exposition() -> bytes:
    return generate_latest(REGISTRY)
