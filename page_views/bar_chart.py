"""A horizontal bar chart drawn on the server, as SVG (templates/page_views/bar_chart.html).

No JavaScript and no style attribute: positions are computed here and written as SVG
presentation attributes. The chart's ``summary`` is its text for screen readers."""

from dataclasses import dataclass

WIDTH = 480
LABEL_WIDTH = 190
BAR_AREA = 240
BAR_HEIGHT = 18
ROW_HEIGHT = 28
LABEL_CHARACTERS = 28


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    short_label: str
    y: int
    width: int
    text_y: int
    value_x: int


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    width: int = WIDTH
    bar_x: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * ROW_HEIGHT

    @property
    def summary(self) -> str:
        values = "; ".join(f"{bar.label}: {bar.value}" for bar in self.bars)
        return f"{self.title}. {values}." if values else f"{self.title}: none."


def _shorten(label: str) -> str:
    if len(label) <= LABEL_CHARACTERS:
        return label
    return label[: LABEL_CHARACTERS - 1].rstrip() + "…"


def bar_chart(title: str, items: list[tuple[str, int]]) -> BarChart:
    """One bar per (label, value), longest for the largest value; whole SVG units only."""
    largest = max((value for _, value in items), default=0)
    bars = []
    for row, (label, value) in enumerate(items):
        width = round(BAR_AREA * value / largest) if largest else 0
        if value and not width:
            width = 1
        y = row * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) // 2
        bars.append(
            Bar(
                label=label,
                value=value,
                short_label=_shorten(label),
                y=y,
                width=width,
                text_y=y + BAR_HEIGHT - 4,
                value_x=LABEL_WIDTH + width + 6,
            )
        )
    return BarChart(title=title, bars=bars)
