"""Show time at its honest precision: a day, a range of days, a clock time with its zone caveat."""

import re
from datetime import UTC, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def format_day(day):
    return f"{day.day} {day:%b %Y}"


def format_date_range(earliest, latest):
    """'3 Oct 2016', '8 or 9 Nov 2016', '1–30 Sep 2017', 'on or after 20 Sep 2016'…"""
    if earliest is None and latest is None:
        return "date unknown"
    if latest is None:
        return f"on or after {format_day(earliest)}"
    if earliest is None:
        return f"on or before {format_day(latest)}"
    if earliest == latest:
        return format_day(earliest)
    if latest - earliest == timedelta(days=1):
        if earliest.month == latest.month:
            return f"{earliest.day} or {latest.day} {latest:%b %Y}"
        return f"{format_day(earliest)} or {format_day(latest)}"
    if earliest.year == latest.year and earliest.month == latest.month:
        return f"{earliest.day}–{latest.day} {latest:%b %Y}"
    return f"between {format_day(earliest)} and {format_day(latest)}"


UTC_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


def zone(name):
    """The tzinfo for a stored zone name: an IANA zone ("America/New_York", "UTC") or a fixed
    UTC offset as e-mail and ISO 8601 state them ("+02:00", "-04:00")."""
    offset = UTC_OFFSET.match(name)
    if offset:
        sign = -1 if offset[1] == "-" else 1
        return timezone(
            sign * timedelta(hours=int(offset[2]), minutes=int(offset[3])), f"UTC{name}"
        )
    return ZoneInfo(name)


def is_known_zone(name):
    try:
        zone(name)
    except (ValueError, OSError, ZoneInfoNotFoundError):  # OSError: "America" is a directory
        return False
    return True


def format_clock_time(moment, zone_name, zone_inferred=False):
    """'18:35, time zone not stated' or '18:35 America/New_York (zone inferred)'."""
    if not zone_name:
        return f"{moment.astimezone(UTC):%H:%M}, time zone not stated"
    if not is_known_zone(zone_name):
        # Stored before anything checked it (or dropped from the zone database since): the
        # moment is still right in UTC, and the page says what it could not read.
        return f"{moment.astimezone(UTC):%H:%M} UTC (stated zone “{zone_name}” not recognised)"
    local = moment.astimezone(zone(zone_name))
    label = f"{local:%H:%M} {local.tzname()}"
    return f"{label} (time zone inferred)" if zone_inferred else label


def clock_time_iso(moment, zone_name):
    """A clock time in ISO 8601 as honestly as it is known: with the stated zone's offset; as
    UTC when the stated zone cannot be read (the moment is still right); and, when no zone is
    stated, the local clock time without any offset, never a UTC instant it may not be."""
    if moment is None:
        return None
    if not zone_name:
        return moment.astimezone(UTC).replace(tzinfo=None).isoformat()
    if not is_known_zone(zone_name):
        return moment.astimezone(UTC).isoformat()
    return moment.astimezone(zone(zone_name)).isoformat()


def format_duration(duration):
    """'52 seconds', '90 minutes', '12 hours', '2 days 3 hours'."""
    seconds = int(duration.total_seconds())
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = seconds // 60
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        text = f"{hours} hours"
        return f"{text} {minutes} minutes" if minutes else text
    days, hours = divmod(hours, 24)
    text = f"{days} days"
    return f"{text} {hours} hours" if hours else text
