"""Every `calendary_*` Prometheus series (docs/operations.md lists them).

Two kinds:
- per-process series (HTTP requests in the API, provider calls and cache hits in the worker) live in the default
  registry; each process exports its own and Prometheus sums them across processes;
- the seed's business figures are derived from the database at scrape time (`figure_families`), so every process
  that exports them agrees, whatever ran where.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from enum import StrEnum

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from contracts.variations import variation_for
from ops.figures import OUTCOMES, Figures

__all__ = ["CONTENT_TYPE_LATEST", "exposition"]

# `*_created` timestamps double the series and no query here uses them.
disable_created_metrics()

# The seed's SLA is 24 variants within 20 minutes: buckets are dense around it.
READY_BUCKETS = (60.0, 120.0, 300.0, 600.0, 900.0, 1200.0, 1800.0, 3600.0, 7200.0)
CHOOSE_BUCKETS = (60.0, 300.0, 900.0, 3600.0, 4 * 3600.0, 12 * 3600.0, 86400.0, 3 * 86400.0, 7 * 86400.0)

# --- per process: the API ---------------------------------------------------------------------------------------
HTTP_REQUESTS = Counter("calendary_http_requests", "HTTP requests answered, by route template, method and status",
                        ["route", "method", "status"])
HTTP_LATENCY = Histogram("calendary_http_request_duration_seconds", "Time to answer an HTTP request",
                         ["route", "method"],
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))


class RefusalReason(StrEnum):
    """Why a start was refused by a limit: the `reason` label of calendary_generations_refused (the alert on the
    provider budget, deploy/prometheus/alerts.yml, and docs/operations.md name these values)."""

    provider_budget = "provider_budget"
    concurrency = "concurrency"
    daily_spend = "daily_spend"
    insufficient_credit = "insufficient_credit"


GENERATIONS_REFUSED = Counter("calendary_generations_refused",
                              f"Starts refused by a limit: {', '.join(RefusalReason)}", ["reason"])
# Every reason exported from the start, at 0: the alert on the provider budget watches a series that exists before the
# first refusal.
for _reason in RefusalReason:
    GENERATIONS_REFUSED.labels(reason=_reason.value)


def count_refusal(reason: RefusalReason) -> None:
    """One start refused (api/billing.py)."""
    GENERATIONS_REFUSED.labels(reason=reason.value).inc()

# --- per process: the worker ------------------------------------------------------------------------------------
PROVIDER_CALLS = Counter("calendary_provider_calls", "Provider jobs (training, synthesis) ended, by kind and outcome",
                         ["kind", "outcome"])
PROVIDER_IN_FLIGHT = Gauge("calendary_provider_jobs_in_flight", "Provider jobs this worker is waiting on", ["kind"])
CACHE_HITS = Counter("calendary_synthesis_cache_hits", "Variants answered from earlier identical images (no provider)")
REGENERATIONS = Counter("calendary_regenerations", "Variants the customer asked to regenerate")


def _histogram(name: str, documentation: str, buckets: Sequence[float],
               samples_by_theme: Iterable[tuple[str, list[float]]]) -> HistogramMetricFamily:
    family = HistogramMetricFamily(name, documentation, labels=["theme"])
    for theme, samples in samples_by_theme:
        cumulative = [(str(bound), float(sum(1 for s in samples if s <= bound))) for bound in buckets]
        family.add_metric([theme], [*cumulative, ("+Inf", float(len(samples)))], sum_value=sum(samples))
    return family


def figure_families(figures: Figures) -> Iterator[Metric]:
    themes = sorted(figures.themes.items())
    simple: list[tuple[str, str, str]] = [
        ("calendary_generations_started", "Generations started", "started"),
        ("calendary_generations_ready", "Generations whose variants all became ready for selection", "reached_ready"),
        ("calendary_calendars_created", "Calendars made from a generation's chosen variants", "calendars"),
        ("calendary_calendar_pdfs", "Calendars whose printable PDF was rendered", "pdfs"),
        ("calendary_calendars_downloaded", "Calendars whose PDF the customer downloaded at least once", "downloaded"),
        ("calendary_pdf_downloads", "PDF downloads, repeats included", "pdf_downloads"),
        ("calendary_provider_cost_usd", "Provider cost (training + synthesis) in US dollars", "cost_usd"),
    ]
    for name, documentation, attribute in simple:
        counter = CounterMetricFamily(name, documentation, labels=["theme"])
        for theme, row in themes:
            counter.add_metric([theme], float(getattr(row, attribute)))
        yield counter
    outcomes = CounterMetricFamily("calendary_generations_finished",
                                   "Generations ended, by outcome (completed, expired, failed, cancelled)",
                                   labels=["theme", "outcome"])
    for theme, row in themes:
        for outcome in OUTCOMES:
            outcomes.add_metric([theme, outcome], float(row.outcomes[outcome]))
    yield outcomes
    chosen = CounterMetricFamily("calendary_variants_chosen", "Variants chosen for a calendar, by variant number",
                                 labels=["theme", "variant", "variation"])
    for theme, row in themes:
        for number, count in sorted(row.chosen_variants.items()):
            chosen.add_metric([theme, str(number), variation_for(number)], float(count))
    yield chosen
    ratings = GaugeMetricFamily("calendary_ratings", "Calendars rated by their customers, by stars (1-5)",
                                labels=["theme", "stars"])
    for theme, row in themes:
        for stars in range(1, 6):
            ratings.add_metric([theme, str(stars)], float(row.ratings[stars]))
    yield ratings
    stuck = GaugeMetricFamily("calendary_generations_stuck",
                              "Generations working (not waiting for the customer) yet not updated for 30 minutes",
                              labels=["theme"])
    for theme, row in themes:
        stuck.add_metric([theme], float(row.stuck))
    yield stuck
    yield _histogram("calendary_variants_ready_seconds", "Time from start to every variant ready (SLA < 20 min)",
                     READY_BUCKETS, ((theme, row.seconds_to_ready) for theme, row in themes))
    yield _histogram("calendary_selection_seconds", "Time customers take to choose, from variants ready",
                     CHOOSE_BUCKETS, ((theme, row.seconds_to_choose) for theme, row in themes))


class _Snapshot(Collector):
    def __init__(self, figures: Figures) -> None:
        self._figures = figures

    def collect(self) -> Iterable[Metric]:
        return figure_families(self._figures)


def exposition(figures: Figures | None = None, registry: CollectorRegistry = REGISTRY) -> bytes:
    """This process's series, then (when given) the database figures, in the Prometheus text format."""
    text = generate_latest(registry)
    if figures is not None:
        snapshot = CollectorRegistry(auto_describe=False)
        snapshot.register(_Snapshot(figures))
        text += generate_latest(snapshot)
    return text
