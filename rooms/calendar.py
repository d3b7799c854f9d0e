"""iCalendar (RFC 5545) feeds of group sessions, built with the icalendar library.

A room's feed has one event per series (weekly series as an RRULE, cancelled weeks as EXDATE); a
student's feed has the sessions they signed up for. Times carry their TZID with a VTIMEZONE. Every event
says what the session is and links back to its room (URL, and the link in the description for calendar
apps that do not show URL).
"""

from __future__ import annotations

import secrets
from datetime import datetime, time
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from .models import CalendarToken, Room, Rsvp, SessionSeries

PRODID = "-//MedPeer//Group sessions//EN"


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    return calendar


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone)


def _describe(event: Event, series: SessionSeries, room: Room, site_url: str) -> None:
    """Add the series' description and a link back to its room; ``site_url`` ends with "/"."""
    room_url = f"{site_url}rooms/{room.slug}/"
    about = series.description.strip() or f"A group session in the {room.title} room on MedPeer."
    event.add("description", f"{about}\n\nJoin in the room: {room_url}")
    event.add("url", room_url)


def _finish(calendar: Calendar) -> bytes:
    calendar.add_missing_timezones()
    return calendar.to_ical()


def room_feed(room: Room, site_url: str) -> bytes:
    """The room's sessions; ``site_url`` is the server's address ending with "/" (for links to the room)."""
    calendar = _calendar(f"{room.title} · MedPeer sessions")
    for series in SessionSeries.objects.filter(room=room).prefetch_related("occurrences"):
        occurrences = list(series.occurrences.all())
        if not occurrences:
            continue
        zone = ZoneInfo(series.time_zone)
        first = occurrences[0]
        event = Event()
        event.add("uid", f"series-{series.pk}@medpeer")
        event.add("summary", series.title)
        _describe(event, series, room, site_url)
        event.add("dtstamp", series.created_at)
        event.add("dtstart", _local(first.starts_at, zone))
        event.add("dtend", _local(first.ends_at, zone))
        if series.weekly_until is not None:
            until = datetime.combine(series.weekly_until, time(23, 59, 59), tzinfo=zone).astimezone(ZoneInfo("UTC"))
            event.add("rrule", {"freq": "weekly", "until": until})
            cancelled = [_local(o.starts_at, zone) for o in occurrences if o.cancelled]
            if cancelled:
                event.add("exdate", cancelled)
        elif first.cancelled:
            event.add("status", "CANCELLED")
        calendar.add_component(event)
    return _finish(calendar)


def user_feed(user, site_url: str) -> bytes:
    """The sessions ``user`` signed up for; ``site_url`` is the server's address ending with "/"."""
    calendar = _calendar("My MedPeer sessions")
    rsvps = Rsvp.objects.filter(user=user).select_related("occurrence__series__room")
    for rsvp in rsvps:
        occurrence = rsvp.occurrence
        series = occurrence.series
        zone = ZoneInfo(series.time_zone)
        event = Event()
        event.add("uid", f"occurrence-{occurrence.pk}@medpeer")
        event.add("summary", f"{series.title} ({series.room.title})")
        _describe(event, series, series.room, site_url)
        event.add("dtstamp", rsvp.created_at)
        event.add("dtstart", _local(occurrence.starts_at, zone))
        event.add("dtend", _local(occurrence.ends_at, zone))
        if occurrence.cancelled:
            event.add("status", "CANCELLED")
        else:
            event.add("status", "CONFIRMED" if rsvp.status == Rsvp.Status.GOING else "TENTATIVE")
        calendar.add_component(event)
    return _finish(calendar)


def calendar_token(user, *, reset: bool = False) -> str:
    """Return the secret of the user's feed URL, creating it (or replacing it, when reset) as needed."""
    token, created = CalendarToken.objects.get_or_create(user=user, defaults={"token": secrets.token_urlsafe(32)})
    if reset and not created:
        token.token = secrets.token_urlsafe(32)
        token.save(update_fields=["token"])
    return token.token
