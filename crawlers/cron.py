"""Validation of 5-field cron expressions for site schedules.

A site definition's `schedule` is handed to a scheduler (Airflow, cron) that we do not control; a
typo there would only surface as a crawl that silently never runs. So it is checked when the site
file is loaded, field by field, with a message that says which field is wrong.
"""

from __future__ import annotations

import re

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# (name, lowest, highest, symbolic names mapped to numbers)
_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, {name: i + 1 for i, name in enumerate(_MONTHS)}),
    ("day of week", 0, 7, {name: i for i, name in enumerate(_DAYS)}),
)
_MACROS = {"@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually"}
_ITEM = re.compile(r"^(?P<range>\*|[0-9a-z]+(?:-[0-9a-z]+)?)(?:/(?P<step>[0-9]+))?$")


def validate_cron(expression: str) -> str:
    """Return `expression` normalised (single spaces) or raise ValueError naming the bad field."""
    text = " ".join(expression.split()).lower()
    if text in _MACROS:
        return text
    parts = text.split(" ")
    if len(parts) != 5:
        raise ValueError(f"cron schedule needs 5 fields, got {len(parts)}: {expression!r}")
    for part, (name, low, high, names) in zip(parts, _FIELDS, strict=True):
        for item in part.split(","):
            _check_item(item, name, low, high, names)
    return text


def _check_item(item: str, field: str, low: int, high: int, names: dict[str, int]) -> None:
    match = _ITEM.match(item)
    if match is None:
        raise ValueError(f"cron {field} field: cannot parse {item!r}")
    step = match.group("step")
    if step is not None and int(step) == 0:
        raise ValueError(f"cron {field} field: step must be positive in {item!r}")
    span = match.group("range")
    if span == "*":
        return
    bounds = [_value(v, field, low, high, names) for v in span.split("-")]
    if len(bounds) == 2 and bounds[0] > bounds[1]:
        raise ValueError(f"cron {field} field: range {span!r} runs backwards")


def _value(token: str, field: str, low: int, high: int, names: dict[str, int]) -> int:
    if token in names:
        return names[token]
    if not token.isdigit():
        raise ValueError(f"cron {field} field: {token!r} is not a number")
    value = int(token)
    if not low <= value <= high:
        raise ValueError(f"cron {field} field: {value} is outside {low}-{high}")
    return value
