"""Records/s over time, drawn without matplotlib: an inline SVG and a text sparkline.

The benchmark machines do not have matplotlib, and a line chart of a few series is a few dozen
lines of SVG. Each series is a list of per-second counts starting at the first submission.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

WIDTH, HEIGHT, MARGIN = 720, 320, 48
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
_BLOCKS = " ▁▂▃▄▅▆▇█"


def per_second(offsets_s: list[float]) -> list[int]:
    """How many events fell in each whole second after the start (offsets in seconds)."""
    if not offsets_s:
        return []
    counts = [0] * (int(max(offsets_s)) + 1)
    for offset in offsets_s:
        counts[max(0, int(offset))] += 1
    return counts


def sparkline(counts: list[int], *, width: int = 60) -> str:
    """One text line: ``counts`` squeezed into ``width`` buckets (their means), as blocks."""
    if not counts:
        return ""
    step = max(1, -(-len(counts) // width))
    buckets = [sum(counts[i : i + step]) / step for i in range(0, len(counts), step)]
    top = max(buckets) or 1.0
    return "".join(_BLOCKS[round(b / top * (len(_BLOCKS) - 1))] for b in buckets)


def write_svg(path: Path, title: str, series: dict[str, list[int]]) -> None:
    """A line chart of records/s (y) against seconds since the first submission (x)."""
    longest = max((len(c) for c in series.values()), default=1) or 1
    top = max((max(c) for c in series.values() if c), default=1) or 1
    plot_w, plot_h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN

    def xy(second: int, value: int) -> str:
        x = MARGIN + plot_w * second / max(1, longest - 1)
        y = HEIGHT - MARGIN - plot_h * value / top
        return f"{x:.1f},{y:.1f}"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{WIDTH / 2}" y="20" text-anchor="middle">{escape(title)}</text>',
        f'<line x1="{MARGIN}" y1="{HEIGHT - MARGIN}" x2="{WIDTH - MARGIN}" '
        f'y2="{HEIGHT - MARGIN}" stroke="black"/>',
        f'<line x1="{MARGIN}" y1="{MARGIN}" x2="{MARGIN}" y2="{HEIGHT - MARGIN}" stroke="black"/>',
        f'<text x="{MARGIN - 4}" y="{MARGIN + 4}" text-anchor="end">{top}</text>',
        f'<text x="{MARGIN - 4}" y="{HEIGHT - MARGIN}" text-anchor="end">0</text>',
        f'<text x="{WIDTH - MARGIN}" y="{HEIGHT - MARGIN + 16}" text-anchor="end">'
        f"{longest - 1} s</text>",
        f'<text x="{MARGIN}" y="{HEIGHT - 10}">records/s, seconds since the first submission'
        "</text>",
    ]
    for index, (name, counts) in enumerate(series.items()):
        colour = COLOURS[index % len(COLOURS)]
        points = " ".join(xy(s, v) for s, v in enumerate(counts))
        parts.append(f'<polyline fill="none" stroke="{colour}" points="{points}"/>')
        parts.append(
            f'<text x="{WIDTH - MARGIN}" y="{MARGIN + 16 * index}" text-anchor="end" '
            f'fill="{colour}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts) + "\n")
