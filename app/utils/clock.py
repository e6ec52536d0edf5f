"""The one source of "now", so tests can move the clock instead of sleeping."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

IST = ZoneInfo("Asia/Kolkata")
_offset = timedelta(0)


def utcnow() -> datetime:
    return datetime.now(UTC) + _offset


def today_ist(now: datetime | None = None) -> date:
    """Business dates (trial days, invoice dates, financial years) are Indian dates."""
    return (now or utcnow()).astimezone(IST).date()


def travel(delta: timedelta) -> None:
    """Shift the clock (tests only)."""
    global _offset
    _offset += delta


def reset() -> None:
    global _offset
    _offset = timedelta(0)
