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
