"""`manage.py report [--since 7d]`: the seed's figures for a period, from the database (no Prometheus needed)."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta

from ops.figures import OUTCOMES, Figures

SLA_SECONDS = 20 * 60
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_SINCE = re.compile(r"^(\d{1,5})([mhdw])$")


def parse_since(text: str) -> timedelta:
    """`30m`, `12h`, `7d`, `2w`."""
    match = _SINCE.match(text.strip())
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"{text!r} is not a period: use a positive number and m, h, d or w, e.g. 7d")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _quantile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {secs:02d}s"


def _share(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "n/a"


def _spread(samples: list[float]) -> str:
    if not samples:
        return "no data"
    return f"median {_duration(_quantile(samples, 0.5))}, p90 {_duration(_quantile(samples, 0.9))}"


def _satisfaction(figures: Figures) -> str:
    stars = [s for theme in figures.themes.values() for s, n in theme.ratings.items() for _ in range(n)]
    if not stars:
        return "no ratings yet"
    return f"{sum(stars) / len(stars):.2f} of 5 stars over {len(stars)} ratings"


def render_report(figures: Figures, since: datetime | None) -> str:
    period = f"since {since:%Y-%m-%d %H:%M} UTC" if since else "all time"
    started, ready = figures.total("started"), figures.total("reached_ready")
    finished = sum(figures.outcome(o) for o in OUTCOMES)
    to_ready, calendars = figures.samples("seconds_to_ready"), figures.total("calendars")
    within_sla = sum(1 for s in to_ready if s <= SLA_SECONDS)
    chosen: dict[int, int] = {}
    for theme in figures.themes.values():
        for number, count in theme.chosen_variants.items():
            chosen[number] = chosen.get(number, 0) + count
    favourites = ", ".join(f"#{n} ({c})" for n, c in sorted(chosen.items(), key=lambda i: (-i[1], i[0]))[:5])
    cost = figures.total("cost_usd")
    pdfs, downloaded = figures.total("pdfs"), figures.total("downloaded")
    lines = [
        f"Calendary report: generations started {period}",
        f"generations started          {started}",
        (f"variants all ready           {ready} — time to ready: {_spread(to_ready)}; "
         f"within the 20 min SLA: {_share(within_sla, len(to_ready))}"),
        "outcomes                     " + ", ".join(f"{o} {figures.outcome(o)}" for o in OUTCOMES)
        + f" — success rate {_share(finished - figures.outcome('failed'), finished)} (target > 95 %)",
        f"drop-off (expired / ready)   {_share(figures.outcome('expired'), ready)}",
        f"time to choose               {_spread(figures.samples('seconds_to_choose'))}",
        (f"conversion                   generations {started} → calendars {calendars} ({_share(calendars, started)})"
         f" → PDFs {pdfs} ({_share(pdfs, calendars)}) → downloaded {downloaded} ({_share(downloaded, calendars)};"
         f" {figures.total('pdf_downloads')} downloads)"),
        f"most chosen variants         {favourites or 'none yet'}",
        f"customer satisfaction        {_satisfaction(figures)}",
        f"provider cost                ${cost:.2f}" + (f" (${cost / started:.2f} per generation)" if started else ""),
        f"stuck generations now        {figures.total('stuck')}",
        "",
        f"{'theme':<14}{'started':>8}{'ready':>7}{'done':>6}{'expired':>8}{'failed':>7}{'cost $':>9}",
    ]
    for name, theme in sorted(figures.themes.items()):
        lines.append(f"{name:<14}{theme.started:>8}{theme.reached_ready:>7}{theme.outcomes['completed']:>6}"
                     f"{theme.outcomes['expired']:>8}{theme.outcomes['failed']:>7}{theme.cost_usd:>9.2f}")
    return "\n".join(lines)
