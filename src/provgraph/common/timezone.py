"""Time zone helpers with aiida-core's names (``aiida.common.timezone``): aware datetimes throughout.

Example::

    from provgraph.common import timezone
    stamp = timezone.now()          # aware, UTC
    timezone.localtime(stamp)       # the same instant in the machine's local zone
"""

from __future__ import annotations

import datetime as _dt
import zoneinfo

__all__ = ["delta", "is_aware", "is_naive", "localtime", "make_aware", "now", "timezone_from_name"]


def now() -> _dt.datetime:
    """The current time as an aware datetime in UTC."""
    return _dt.datetime.now(_dt.timezone.utc)


def is_aware(value: _dt.datetime) -> bool:
    """Whether ``value`` carries a time zone that gives it an offset."""
    return value.tzinfo is not None and value.utcoffset() is not None


def is_naive(value: _dt.datetime) -> bool:
    """Whether ``value`` has no usable time zone."""
    return not is_aware(value)


def make_aware(value: _dt.datetime, tz: _dt.tzinfo | None = None) -> _dt.datetime:
    """``value`` (naive) read as a time in ``tz`` (default: the machine's local zone)."""
    if is_aware(value):
        raise ValueError(f"make_aware expects a naive datetime, got {value!r}")
    if tz is None:
        return value.astimezone()
    return value.replace(tzinfo=tz)


def localtime(value: _dt.datetime) -> _dt.datetime:
    """``value`` in the machine's local zone; a naive value is taken to be local already."""
    if is_naive(value):
        return value.astimezone()
    return value.astimezone()


def timezone_from_name(name: str) -> _dt.tzinfo:
    """The zone of an IANA name (``Europe/Zurich``); ``ValueError`` for an unknown name."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {name!r}") from error


def delta(from_time: _dt.datetime, to_time: _dt.datetime | None = None) -> _dt.timedelta:
    """The time from ``from_time`` to ``to_time`` (default: now); naive values are taken as local."""
    start = make_aware(from_time) if is_naive(from_time) else from_time
    end = now() if to_time is None else (make_aware(to_time) if is_naive(to_time) else to_time)
    return end - start
