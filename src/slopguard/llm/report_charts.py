"""The bench report's inline SVG charts: grouped bars per language and lines over RCI rounds, with axis ticks at
round numbers and legends wide enough for whole model names. Every mark carries its raw value in ``data-*``
attributes."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563")
LEGEND_CHAR_WIDTH = 7.0  # a generous width of one 11px legend character, in SVG units


def _a(value: object) -> str:
    return escape(str(value), quote=True)


def num(value: float) -> str:
    return f"{value:.6g}"


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def nice_ticks(vmax: float, count: int = 6) -> list[float]:
    """Axis ticks from 0 past ``vmax`` at a round step (1, 2, 2.5 or 5 times a power of ten), about ``count`` of
    them: 43.16 -> 0, 10, 20, 30, 40, 50."""
    if not math.isfinite(vmax) or vmax <= 0:
        return [0.0, 1.0]
    raw = vmax / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    steps = math.ceil(vmax / step - 1e-9)
    return [round(k * step, 10) for k in range(steps + 1)]


def tick_label(value: float, percent: bool) -> str:
    return f"{value * 100:g}%" if percent else f"{value:g}"


def legend_width(models: Sequence[str]) -> float:
    return 24 + LEGEND_CHAR_WIDTH * max((len(m) for m in models), default=0)


def _legend(models: Sequence[str], x: float, y: float) -> list[str]:
    out: list[str] = []
    for i, model in enumerate(models):
        yy = y + i * 16
        out.append(f'<rect x="{x:.1f}" y="{yy - 9:.1f}" width="10" height="10" fill="{_color(i)}"/>')
        out.append(f'<text x="{x + 14:.1f}" y="{yy:.1f}" class="lg">{_a(model)}</text>')
    return out


def bar_chart(
    title: str, groups: Sequence[str], models: Sequence[str], values: dict[tuple[str, str], float | None],
    *, metric: str, round_: int, group_attr: str = "language", percent: bool = True,
) -> str:  # fmt: skip
    """Grouped bars: one group per ``groups`` entry, one bar per model; ``values[(group, model)]``."""
    legend = legend_width(models)
    plot_right = max(420 - legend, 90 + len(groups) * (len(models) * 18 + 26))
    width = int(plot_right + legend + 10)
    height, top, bottom, left = 280, 36, 60, 48
    plot_h = height - top - bottom
    found = [v for v in values.values() if v is not None]
    ticks = [0.0, 0.25, 0.5, 0.75, 1.0] if percent else nice_ticks(max(found, default=0.0))
    vmax = ticks[-1]
    parts = _frame(title, (width, height), (left, plot_right), (top, plot_h), ticks, percent)
    x = left + 14.0
    for group in groups:
        start = x
        for i, model in enumerate(models):
            value = values.get((group, model))
            if value is not None:
                h = plot_h * min(value / vmax, 1.0) if vmax else 0.0
                parts.append(
                    f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="16" height="{max(h, 0.5):.1f}" '
                    f'fill="{_color(i)}" data-model="{_a(model)}" data-{group_attr}="{_a(group)}" '
                    f'data-round="{round_}" data-metric="{metric}" data-value="{num(value)}">'
                    f"<title>{_a(model)} · {_a(group)}: {pct(value) if percent else num(value)}</title></rect>"
                )
            x += 18
        parts.append(
            f'<text x="{(start + x) / 2:.1f}" y="{top + plot_h + 16}" class="ax" '
            f'text-anchor="middle">{_a(group)}</text>'
        )
        x += 26
    parts += _legend(models, plot_right + 10, top + 10)
    parts.append("</svg>")
    return "".join(parts)


def _frame(
    title: str,
    size: tuple[int, int],
    span: tuple[float, float],
    plot: tuple[float, float],
    ticks: Sequence[float],
    percent: bool,
) -> list[str]:
    """A chart's opening tag, title, grid lines and tick labels; ``span`` is the plot's left and right edge,
    ``plot`` its top and height."""
    (width, height), (left, right), (top, plot_h) = size, span, plot
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_a(title)}">',
        f'<text x="{left}" y="20" class="tt">{_a(title)}</text>',
    ]
    for tick in ticks:
        y = top + plot_h * (1 - tick / ticks[-1])
        parts.append(f'<line x1="{left}" x2="{right:.1f}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" class="ax tick" text-anchor="end">{tick_label(tick, percent)}</text>'
        )
    return parts


def line_chart(
    title: str, rounds: Sequence[int], series: dict[str, list[float | None]], *, metric: str, percent: bool = False
) -> str:
    """One line per model over the RCI rounds; ``series[model][i]`` is the value at ``rounds[i]``."""
    height, top, bottom, left, plot_w = 280, 36, 48, 56, 324
    width = int(left + plot_w + 16 + legend_width(list(series)))
    plot_h = height - top - bottom
    found = [v for vals in series.values() for v in vals if v is not None]
    ticks = [0.0, 0.25, 0.5, 0.75, 1.0] if percent else nice_ticks(max(found, default=0.0))
    vmax = ticks[-1]
    parts = _frame(title, (width, height), (left, left + plot_w), (top, plot_h), ticks, percent)

    def xpos(i: int) -> float:
        return left + (plot_w * i / (len(rounds) - 1) if len(rounds) > 1 else plot_w / 2)

    for i, r in enumerate(rounds):
        parts.append(
            f'<text x="{xpos(i):.1f}" y="{top + plot_h + 16}" class="ax" text-anchor="middle">round {r}</text>'
        )
    for m, (model, values) in enumerate(series.items()):
        points = [(xpos(i), top + plot_h * (1 - min(v / vmax, 1.0)), r, v)
                  for i, (r, v) in enumerate(zip(rounds, values, strict=True)) if v is not None]  # fmt: skip
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{_color(m)}" stroke-width="2"/>')
        for px, py, r, v in points:
            parts.append(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{_color(m)}" data-model="{_a(model)}" '
                f'data-round="{r}" data-metric="{metric}" data-value="{num(v)}">'
                f"<title>{_a(model)} · round {r}: {pct(v) if percent else num(v)}</title></circle>"
            )
    parts += _legend(list(series), left + plot_w + 16, top + 10)
    parts.append("</svg>")
    return "".join(parts)
