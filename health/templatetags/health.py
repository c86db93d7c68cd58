"""Formatting health figures in words, so nobody misreads a number.

Every trend is said in words ("up 12% from 40", "down 8 points from 75%"),
with an arrow beside it that is only decoration: colour and arrows never carry
the meaning alone.
"""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

from health.figures import Figure

register = template.Library()

NO_DATA = "no data"
RELATIVE_FROM = 10


def _trim(number: float, places: int = 1) -> str:
    """12.0 -> "12", 2.14 -> "2.1": one decimal at most, none when it is zero."""
    text = f"{round(number, places):.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def hours(value) -> str:
    """Hours as people say them: "45 min", "5 h", "31 h", "2.1 days" (from 48 hours on)."""
    if value is None:
        return NO_DATA
    value = float(value)
    if value < 1:
        minutes = round(value * 60)
        return "under 1 min" if minutes < 1 else f"{minutes} min"
    if value < 48:
        return f"{_trim(value) if value < 10 else round(value)} h"
    return f"{_trim(value / 24)} days"


@register.filter
def days(value) -> str:
    if value is None:
        return NO_DATA
    value = round(float(value))
    return f"{intcomma(value)} day{'' if value == 1 else 's'}"


@register.filter
def percent(value) -> str:
    """A share already in percent (0-100): "52%", "7.5%"."""
    if value is None:
        return NO_DATA
    return f"{_trim(float(value))}%"


@register.filter
def count(value) -> str:
    if value is None:
        return NO_DATA
    if isinstance(value, float) and not value.is_integer():
        return _trim(value)
    return intcomma(int(value))


FORMATS = {"%": percent, "hours": hours, "days": days}


def format_value(value, unit: str = "") -> str:
    return FORMATS.get(unit, count)(value)


# What "no data" means for figures where it says something on its own.
EMPTY = {"days_since_approval": "none approved"}


@register.filter
def figure_value(figure: Figure) -> str:
    if figure.current is None:
        return EMPTY.get(figure.key, NO_DATA)
    return format_value(figure.current, figure.unit)


@register.filter
def figure_previous(figure: Figure) -> str:
    return format_value(figure.previous, figure.unit)


@register.filter
def trend_direction(figure: Figure) -> str:
    """ "up", "down", "same", or "" when there is nothing to compare."""
    change = figure.change
    if change is None:
        return ""
    if round(change, 6) == 0:
        return "same"
    return "up" if change > 0 else "down"


@register.filter
def trend_judgement(figure: Figure) -> str:
    """ "better", "worse" or "" (no change, nothing to compare, or a figure that is neither)."""
    direction = trend_direction(figure)
    if direction not in ("up", "down") or figure.higher_is_better is None:
        return ""
    return "better" if (direction == "up") == figure.higher_is_better else "worse"


def _difference(figure: Figure) -> str:
    change = abs(figure.change)
    if figure.unit == "%":
        return f"{_trim(change)} point{'' if _trim(change) == '1' else 's'}"
    if figure.unit == "hours":
        return hours(change)
    if figure.unit == "days":
        return days(change)
    # A count: relative from 10 on ("up 13% from 40"); below that a percentage overstates
    # ("up 200% from 1"), so the difference itself ("up 2 from 1").
    if abs(figure.previous) >= RELATIVE_FROM:
        return f"{_trim(change / abs(figure.previous) * 100, 0)}%"
    return count(change)


@register.filter
def trend_words(figure: Figure) -> str:
    """The change from the previous period in words: "up 12% from 40", "down 8 points from 75%".

    "" when there is no figure for this period and none for the previous one either.
    """
    if figure.current is None:
        # The value already says "no data"; what the previous period had is still worth saying.
        return (
            ""
            if figure.previous is None
            else f"was {figure_previous(figure)} in the previous period"
        )
    if figure.previous is None:
        return "no figure for the previous period"
    previous = figure_previous(figure)
    direction = trend_direction(figure)
    if direction == "same":
        return f"no change from {previous}"
    if figure.unit == "" and not figure.previous:
        return f"{direction} from 0"
    return f"{direction} {_difference(figure)} from {previous}"


@register.filter
def trend_arrow(figure: Figure) -> str:
    return {"up": "▲", "down": "▼", "same": "="}.get(trend_direction(figure), "")


@register.inclusion_tag("health/includes/_trend.html")
def figure_trend(figure: Figure) -> dict:
    """The trend of a figure: arrow (decoration), the change in words, and whether that is better."""
    return {
        "arrow": trend_arrow(figure),
        "words": trend_words(figure),
        "direction": trend_direction(figure),
        "judgement": trend_judgement(figure),
    }
