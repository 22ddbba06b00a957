"""Server-rendered SVG bar charts: no JavaScript, no CDN, readable without colour."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

BAR_HEIGHT = 22
LABEL_WIDTH = 150
CHART_WIDTH = 520


def bar_chart(
    rows: list[tuple[str, float]], *, label: str, unit: str = "", max_value: float | None = None
) -> SafeString:
    """A horizontal bar chart; every text is escaped by format_html."""
    if not rows:
        return format_html('<p class="muted">{}</p>', "No data in this period.")
    top = max_value or max((value for _, value in rows), default=0) or 1
    span = CHART_WIDTH - LABEL_WIDTH - 60
    height = BAR_HEIGHT * len(rows) + 10
    bars = format_html_join(
        "",
        '<g transform="translate(0,{})"><text x="0" y="15" class="chart-label">{}</text>'
        '<rect x="{}" y="3" width="{}" height="16" class="chart-bar"></rect>'
        '<text x="{}" y="15" class="chart-value">{}{}</text></g>',
        (
            (
                i * BAR_HEIGHT,
                name[:24],
                LABEL_WIDTH,
                max(1, int(span * value / top)),
                LABEL_WIDTH + max(1, int(span * value / top)) + 6,
                value,
                unit,
            )
            for i, (name, value) in enumerate(rows)
        ),
    )
    return format_html(
        '<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="100%" '
        'height="{}"><title>{}</title>{}</svg>',
        label,
        CHART_WIDTH,
        height,
        height,
        label,
        bars,
    )


LINE_WIDTH = 640
LINE_HEIGHT = 180
LINE_MARGIN = 40


def line_chart(
    labels: list[str],
    series: list[tuple[str, list[float | None]]],
    *,
    label: str,
    unit: str = "",
    max_value: float | None = None,
) -> SafeString:
    """A line per series over ``labels`` (days or weeks); a gap where a value is None. Each
    point carries its value as a tooltip; the first and last labels sit under the axis."""
    values = [v for _, points in series for v in points if v is not None]
    if not labels or not values:
        return format_html('<p class="muted">{}</p>', "No data in this period.")
    top = max_value or max(values) or 1
    span_x = LINE_WIDTH - 2 * LINE_MARGIN
    span_y = LINE_HEIGHT - 2 * LINE_MARGIN + 20
    step = span_x / max(1, len(labels) - 1)

    def xy(i: int, v: float) -> tuple[int, int]:
        return round(LINE_MARGIN + i * step), round(LINE_MARGIN - 20 + span_y * (1 - v / top))

    parts = []
    for number, (name, points) in enumerate(series):
        runs: list[list[tuple[int, int]]] = [[]]
        for i, v in enumerate(points):
            if v is None:
                runs.append([])
            else:
                runs[-1].append(xy(i, v))
        for run in runs:
            if len(run) > 1:
                parts.append(
                    format_html(
                        '<polyline class="chart-line chart-line-{}" points="{}" fill="none">'
                        "</polyline>",
                        number % 6,
                        " ".join(f"{x},{y}" for x, y in run),
                    )
                )
        parts.append(
            format_html_join(
                "",
                '<circle class="chart-point chart-line-{}" cx="{}" cy="{}" r="3"><title>{} {}: '
                "{}{}</title></circle>",
                (
                    (number % 6, *xy(i, v), name, labels[i], _plain(v), unit)
                    for i, v in enumerate(points)
                    if v is not None
                ),
            )
        )
    legend = format_html_join(
        "",
        '<text x="{}" y="14" class="chart-legend chart-line-{}">■ {}</text>',
        ((LINE_MARGIN + 130 * n, n % 6, name[:18]) for n, (name, _) in enumerate(series)),
    )
    axis = format_html(
        '<text x="{}" y="{}" class="chart-label">{}</text>'
        '<text x="{}" y="{}" class="chart-label" text-anchor="end">{}</text>'
        '<text x="2" y="{}" class="chart-value">{}{}</text>'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" class="chart-axis"></line>',
        LINE_MARGIN,
        LINE_HEIGHT - 4,
        labels[0],
        LINE_WIDTH - LINE_MARGIN,
        LINE_HEIGHT - 4,
        labels[-1],
        LINE_MARGIN - 14,
        _plain(top),
        unit,
        LINE_MARGIN,
        LINE_MARGIN - 20 + span_y,
        LINE_WIDTH - LINE_MARGIN,
        LINE_MARGIN - 20 + span_y,
    )
    return format_html(
        '<svg class="chart line-chart" role="img" aria-label="{}" viewBox="0 0 {} {}" '
        'width="100%" height="{}"><title>{}</title>{}{}{}</svg>',
        label,
        LINE_WIDTH,
        LINE_HEIGHT,
        LINE_HEIGHT,
        label,
        legend,
        axis,
        SafeString("".join(parts)),
    )


def _plain(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"
