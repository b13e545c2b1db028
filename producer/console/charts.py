"""The console's two charts as inline SVG, drawn on the server from ``broker.timeline``.

No JavaScript library and no front-end build: a chart is a few polylines in an ``<svg>`` the
template embeds. Each line carries ``data-series`` and ``data-total`` attributes, so a browser
test can read what was drawn without parsing coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import redis
from markupsafe import Markup

from broker.timeline import CALLS_SERIES, JOBS_SERIES, read_minutes

#: Minutes shown on each chart.
CHART_MINUTES = 60
#: Most portals drawn on the calls chart (the busiest ones).
MAX_PORTALS = 8
#: Line colours, in order; outcomes have their own.
PALETTE = ("#2563eb", "#9333ea", "#0891b2", "#ca8a04", "#db2777", "#65a30d", "#ea580c", "#475569")
OUTCOME_COLOURS = {"succeeded": "#16a34a", "failed": "#dc2626", "cancelled": "#6b7280"}

_WIDTH, _HEIGHT, _PAD = 640, 200, 30


@dataclass(frozen=True)
class Line:
    name: str
    points: list[int]
    colour: str


def jobs_per_minute(client: redis.Redis, now: float) -> list[Line]:
    """One line per outcome over the last hour."""
    minutes = read_minutes(client, JOBS_SERIES, now=now, minutes=CHART_MINUTES)
    lines = []
    for outcome, colour in OUTCOME_COLOURS.items():
        key = (("outcome", outcome),)
        lines.append(Line(outcome, [counts.get(key, 0) for _, counts in minutes], colour))
    return lines


def calls_per_portal(client: redis.Redis, now: float) -> list[Line]:
    """One line per portal (the busiest ``MAX_PORTALS``) of HubSpot calls per minute."""
    minutes = read_minutes(client, CALLS_SERIES, now=now, minutes=CHART_MINUTES)
    totals: dict[str, int] = {}
    for _, counts in minutes:
        for labels, n in counts.items():
            hub = dict(labels).get("hub", "?")
            totals[hub] = totals.get(hub, 0) + n
    busiest = sorted(totals, key=lambda h: (-totals[h], h))[:MAX_PORTALS]
    return [
        Line(
            f"portal {hub}",
            [counts.get((("hub", hub),), 0) for _, counts in minutes],
            PALETTE[i % len(PALETTE)],
        )
        for i, hub in enumerate(busiest)
    ]


def render_svg(lines: list[Line], *, title: str, budget: float | None = None) -> Markup:
    """An SVG line chart; ``budget`` (per minute) is drawn as a dashed line when given."""
    peak = max([1, *(max(line.points, default=0) for line in lines), int(budget or 0)])
    count = max((len(line.points) for line in lines), default=CHART_MINUTES)
    plot_w, plot_h = _WIDTH - 2 * _PAD, _HEIGHT - 2 * _PAD

    def xy(i: int, value: float) -> str:
        x = _PAD + plot_w * i / max(1, count - 1)
        y = _PAD + plot_h * (1 - value / peak)
        return f"{x:.1f},{y:.1f}"

    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {_WIDTH} {_HEIGHT}" '
        f'width="{_WIDTH}" height="{_HEIGHT}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<rect x="{_PAD}" y="{_PAD}" width="{plot_w}" height="{plot_h}" class="plot"/>',
        f'<text x="4" y="{_PAD + 4}" class="axis">{peak}</text>',
        f'<text x="4" y="{_HEIGHT - _PAD}" class="axis">0</text>',
        f'<text x="{_PAD}" y="{_HEIGHT - 8}" class="axis">-{count} min</text>',
        f'<text x="{_WIDTH - _PAD - 24}" y="{_HEIGHT - 8}" class="axis">now</text>',
    ]
    if budget:
        parts.append(
            f'<polyline class="budget" data-series="budget" data-total="{budget:g}" '
            f'points="{xy(0, budget)} {xy(count - 1, budget)}" stroke="#111827" '
            'stroke-dasharray="6 4" fill="none"/>'
        )
    for line in lines:
        points = " ".join(xy(i, v) for i, v in enumerate(line.points))
        parts.append(
            f'<polyline class="series" data-series="{escape(line.name)}" '
            f'data-total="{sum(line.points)}" points="{points}" stroke="{line.colour}" '
            'stroke-width="2" fill="none"/>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above
