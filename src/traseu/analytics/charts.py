"""Small server-rendered SVG charts: funnel, box plots, histograms, bars.

No chart library and no script: each function returns escaped SVG markup. Colours come from
classes styled in ``analytics/reports.css`` (the Content-Security-Policy forbids inline
styles); geometry is in presentation attributes. Every chart has a ``<title>`` and an
``aria-label`` for screen readers, and the page shows the same figures in a table beside it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
ROW = 30
NOTE = 130  # room for the notes on the right


def label_width(labels: Sequence[str]) -> float:
    """Room for the longest label on the left (about 7.2 px a character at 12 px)."""
    return min(max(max((len(label) for label in labels), default=0) * 7.2 + 14, 60), 280)


@dataclass(frozen=True)
class Bar:
    """One row of a bar chart: ``value`` in [0, scale], drawn with CSS class ``kind``."""

    label: str
    value: float | None
    note: str = ""
    kind: str = "bar"


@dataclass(frozen=True)
class Segment:
    value: float
    kind: str


def _svg(title: str, height: float, body: Sequence[str], width: int = WIDTH) -> SafeString:
    head = format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>',
        w=width,
        h=round(height),
        t=title,
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 - every part is escaped


def _text(x: float, y: float, text: str, cls: str = "label", anchor: str = "start") -> str:
    return format_html(
        '<text x="{}" y="{}" class="{}" text-anchor="{}">{}</text>',
        round(x, 1),
        round(y, 1),
        cls,
        anchor,
        text,
    )


def _rect(x: float, y: float, w: float, h: float, cls: str, tip: str = "") -> str:
    tooltip = format_html("<title>{}</title>", tip) if tip else ""
    return format_html(
        '<rect x="{}" y="{}" width="{}" height="{}" class="{}">{}</rect>',
        round(x, 1),
        round(y, 1),
        round(max(w, 0), 1),
        round(h, 1),
        cls,
        tooltip,
    )


def _line(x1: float, y1: float, x2: float, y2: float, cls: str) -> str:
    return format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" class="{}"/>',
        *(round(v, 1) for v in (x1, y1, x2, y2)),
        cls,
    )


def funnel(title: str, rows: Sequence[tuple[str, int, int, str]]) -> SafeString:
    """A centred funnel: per stage a bar as wide as the deals that reached it, the part that
    passed it darker, and a note on the right. ``rows``: (label, reached, passed, note)."""
    top = max((reached for _l, reached, _p, _n in rows), default=0) or 1
    left = label_width([row[0] for row in rows])
    span = WIDTH - left - NOTE - 40
    middle = left + span / 2
    body = []
    for i, (label, reached, passed, note) in enumerate(rows):
        y = 6 + i * ROW
        outer, inner = span * reached / top, span * passed / top
        body.append(_text(left - 8, y + 16, label, anchor="end"))
        body.append(_rect(middle - outer / 2, y, outer, ROW - 8, "reached", f"{reached}"))
        body.append(_rect(middle - inner / 2, y, inner, ROW - 8, "passed", f"{passed}"))
        body.append(_text(middle + span / 2 + 10, y + 16, note, cls="note"))
    return _svg(title, 12 + len(rows) * ROW, body)


def bars(
    title: str, rows: Sequence[Bar], *, scale: float = 1.0, marker: float | None = None
) -> SafeString:
    """Horizontal bars from 0 to ``scale``; ``marker`` draws a dashed reference line."""
    left = label_width([bar.label for bar in rows])
    span = WIDTH - left - NOTE
    body = []
    for i, bar in enumerate(rows):
        y = 6 + i * ROW
        body.append(_text(left - 8, y + 16, bar.label, anchor="end"))
        body.append(_rect(left, y, span, ROW - 8, "track"))
        if bar.value is not None and scale:
            body.append(_rect(left, y, span * min(bar.value / scale, 1), ROW - 8, bar.kind))
        body.append(_text(left + span + 8, y + 16, bar.note, cls="note"))
    height = 12 + len(rows) * ROW
    if marker is not None and scale:
        x = left + span * min(marker / scale, 1)
        body.append(_line(x, 2, x, height - 4, "marker"))
    return _svg(title, height, body)


def stacked(title: str, rows: Sequence[tuple[str, Sequence[Segment], str]]) -> SafeString:
    """Horizontal bars made of segments drawn from the left, one over the other (each
    segment's value counts from zero, so smaller later segments sit inside earlier ones)."""
    top = max((s.value for _l, segments, _n in rows for s in segments), default=0) or 1
    left = label_width([row[0] for row in rows])
    span = WIDTH - left - NOTE
    body = []
    for i, (label, segments, note) in enumerate(rows):
        y = 6 + i * ROW
        body.append(_text(left - 8, y + 16, label, anchor="end"))
        body += [_rect(left, y, span * s.value / top, ROW - 8, s.kind) for s in segments]
        body.append(_text(left + span + 8, y + 16, note, cls="note"))
    return _svg(title, 12 + len(rows) * ROW, body)


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``top``."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [step * i for i in range(math.ceil(top / step) + 1)]


@dataclass(frozen=True)
class Box:
    label: str
    p10: float
    p25: float
    median: float
    p75: float
    p80: float
    p90: float
    note: str = ""


def boxes(title: str, rows: Sequence[Box], *, unit: str = "d") -> SafeString:
    """Box plots on one axis: whiskers P10 to P90, box P25 to P75, median line, P80 tick."""
    ticks = nice_ticks(max((b.p90 for b in rows), default=1))
    left = label_width([b.label for b in rows])
    span = WIDTH - left - 70

    def to_x(value: float) -> float:
        return left + span * value / ticks[-1]

    body = []
    height = 30 + len(rows) * ROW
    for tick in ticks:
        body.append(_line(to_x(tick), 4, to_x(tick), height - 22, "grid"))
        body.append(_text(to_x(tick), height - 6, f"{tick:g} {unit}", cls="axis", anchor="middle"))
    for i, b in enumerate(rows):
        y = 6 + i * ROW
        mid = y + (ROW - 8) / 2
        body.append(_text(left - 8, y + 16, b.label, anchor="end"))
        body.append(_line(to_x(b.p10), mid, to_x(b.p90), mid, "whisker"))
        tip = f"P25 {b.p25:.1f} · median {b.median:.1f} · P75 {b.p75:.1f} · P80 {b.p80:.1f}"
        body.append(_rect(to_x(b.p25), y, to_x(b.p75) - to_x(b.p25), ROW - 8, "box", tip))
        body.append(_line(to_x(b.median), y, to_x(b.median), y + ROW - 8, "median"))
        body.append(_line(to_x(b.p80), y - 2, to_x(b.p80), y + ROW - 6, "p80"))
        body.append(_text(left + span + 8, y + 16, b.note, cls="note"))
    return _svg(title, height, body)


def histogram(
    title: str, counts: Sequence[int], labels: Sequence[str], *, caption: str = ""
) -> SafeString:
    """A small column chart of counts per bucket, labels under the columns, a caption above."""
    width, height, base = 300, 128, 104
    top = max(counts, default=0) or 1
    step = (width - 10) / max(len(counts), 1)
    body = [_text(5, 13, caption, cls="label")] if caption else []
    for i, (count, label) in enumerate(zip(counts, labels, strict=True)):
        h = (base - 14) * count / top
        x = 5 + i * step
        body.append(_rect(x + 2, base - h, step - 4, h, "column", f"{label}: {count}"))
        if count:
            body.append(_text(x + step / 2, base - h - 3, str(count), cls="tiny", anchor="middle"))
        body.append(_text(x + step / 2, base + 12, label, cls="tiny", anchor="middle"))
    return _svg(title, height, body, width=width)


def paired(title: str, rows: Sequence[tuple[str, float | None, float | None, str]]) -> SafeString:
    """Two bars per row (0-100%): ``with`` above ``without``; ``rows``: (label, with,
    without, note)."""
    left = label_width([row[0] for row in rows])
    span, step = WIDTH - left - NOTE - 40, ROW + 14
    body = []
    for i, (label, with_value, without_value, note) in enumerate(rows):
        y = 6 + i * step
        body.append(_text(left - 8, y + 18, label, anchor="end"))
        for offset, value, kind in ((0, with_value, "with"), (16, without_value, "without")):
            body.append(_rect(left, y + offset, span, 13, "track"))
            if value is not None:
                body.append(_rect(left, y + offset, span * value, 13, kind))
        body.append(_text(left + span + 8, y + 18, note, cls="note"))
    return _svg(title, 12 + len(rows) * step, body)


def bullet(value: float | None, target: float, *, direction: str, scale: float) -> SafeString:
    """An inline bullet: the value's bar (green when the target is met) and the target tick."""
    width, height = 140, 16
    body = [_rect(0, 3, width, 10, "track")]
    if value is not None and scale > 0:
        met = value <= target if direction == "max" else value >= target
        body.append(_rect(0, 3, width * min(value / scale, 1), 10, "met" if met else "missed"))
    if scale > 0:
        x = width * min(target / scale, 1)
        body.append(_line(x, 0, x, height, "target"))
    shown = "-" if value is None else f"{value:.2f}"
    return _svg(f"{shown} / {target:g}", height, body, width=width)


@dataclass(frozen=True)
class Mark:
    """One cell of a scorecard: its text and its CSS class (met, missed, empty)."""

    text: str
    kind: str


def scorecard(
    title: str, columns: Sequence[str], rows: Sequence[tuple[str, Sequence[Mark]]]
) -> SafeString:
    """A grid of coloured cells: one row per group, one column per KPI (headers slanted)."""
    left = label_width([row[0] for row in rows])
    cell_w, cell_h, head = 58, 24, 120
    body: list[str] = []
    for j, column in enumerate(columns):
        x, y = left + j * cell_w + cell_w / 2, head - 6
        body.append(
            format_html(
                '<text x="{x}" y="{y}" class="axis" transform="rotate(-40 {x} {y})">{t}</text>',
                x=round(x, 1),
                y=y,
                t=column,
            )
        )
    for i, (label, marks) in enumerate(rows):
        y = head + i * (cell_h + 2)
        body.append(_text(left - 8, y + 16, label, anchor="end"))
        for j, mark in enumerate(marks):
            x = left + j * cell_w
            body.append(_rect(x, y, cell_w - 2, cell_h, f"cell {mark.kind}", mark.text))
            body.append(
                _text(x + cell_w / 2 - 1, y + 16, mark.text, cls="cell-text", anchor="middle")
            )
    width = round(left + len(columns) * cell_w + 60)
    return _svg(title, head + len(rows) * (cell_h + 2) + 6, body, width=width)
