"""Facilitated group sessions: ``check_series`` validates a schedule, ``do_*`` write it; RSVPs with a waitlist.

Times are scheduled as a local wall-clock time in a named zone: a weekly 19:00 session stays at 19:00
local time across daylight-saving changes, so its UTC time moves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber

from chatserver.models import User
from core.frames import encode

from .events import publish_room_frame
from .mail import has_control_characters, send_each
from .models import Room, Rsvp, SessionOccurrence, SessionSeries, room_group

MAX_DURATION_MINUTES = 8 * 60
MAX_SERIES_DAYS = 366
MAX_CAPACITY = 500
MAX_CO_FACILITATORS = 4
MAX_TITLE_CHARS = SessionSeries._meta.get_field("title").max_length


class SessionError(ValueError):
    """A session request that cannot be accepted; ``field`` names the input it is about.

    The HTTP API answers every kind with 400 ``bad_request`` and the field, so a form can show the message next
    to the right input.
    """

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name
        self.message = message


class ScheduleError(SessionError):
    """A schedule that breaks a rule: times, length, capacity, title, or who runs it."""


class SessionFieldError(SessionError):
    """A request field that is missing, of the wrong type or in the wrong format (before any rule applies)."""


class RsvpError(SessionError):
    """A sign-up that cannot be taken (the session was cancelled)."""


@dataclass
class SeriesRequest:
    room: Room
    title: str
    time_zone: str
    local_start: datetime  # naive: the wall-clock time in time_zone
    duration_minutes: int
    capacity: int
    facilitator: User
    weekly_until: date | None = None
    description: str = ""
    co_facilitators: list[User] = field(default_factory=list)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError("time_zone", f"unknown time zone {name!r} (use a name like America/New_York)") from None


def _aware(local: datetime, zone: ZoneInfo) -> datetime:
    """Return the aware time for a local wall-clock time; refuse one skipped by a daylight-saving change."""
    aware = local.replace(tzinfo=zone)
    if aware.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None) != local:
        raise ScheduleError(
            "start", f"{local:%Y-%m-%d %H:%M} does not exist in {zone.key} (the clocks skip it that day)"
        )
    return aware


def check_title(value) -> str:
    """Return the title without surrounding spaces: one line of 1-120 characters (else ScheduleError).

    Raise SessionFieldError for a title that is not text.
    """
    if not isinstance(value, str):
        raise SessionFieldError("title", "'title' must be text")
    title = value.strip()
    if not title:
        raise ScheduleError("title", "a session needs a title")
    if len(title) > MAX_TITLE_CHARS:
        raise ScheduleError("title", f"a title is at most {MAX_TITLE_CHARS} characters (this one has {len(title)})")
    if has_control_characters(title):
        # It becomes an e-mail subject and a calendar SUMMARY, which must be one line.
        raise ScheduleError("title", "a title is one line of text: no line breaks, tabs or other control characters")
    return title


def check_series(request: SeriesRequest, now: datetime) -> list[tuple[datetime, datetime]]:
    """Return the (start, end) of every occurrence, or raise ScheduleError saying what is wrong."""
    zone = _zone(request.time_zone)
    check_title(request.title)
    if request.duration_minutes <= 0:
        raise ScheduleError("end", "the end must be after the start")
    if request.duration_minutes > MAX_DURATION_MINUTES:
        raise ScheduleError("end", f"a session lasts at most {MAX_DURATION_MINUTES // 60} hours")
    if not (1 <= request.capacity <= MAX_CAPACITY):
        raise ScheduleError("capacity", f"capacity must be between 1 and {MAX_CAPACITY}")
    first = _aware(request.local_start, zone)
    if first <= now:
        raise ScheduleError("start", "a session cannot start in the past")
    local_starts = [request.local_start]
    if request.weekly_until is not None:
        if request.weekly_until <= request.local_start.date():
            raise ScheduleError("weekly_until", "a weekly series must end after its first session")
        if (request.weekly_until - request.local_start.date()).days > MAX_SERIES_DAYS:
            raise ScheduleError("weekly_until", "a series may run for at most a year")
        while (nxt := local_starts[-1] + timedelta(days=7)).date() <= request.weekly_until:
            local_starts.append(nxt)
    slots = []
    for local in local_starts:
        start = _aware(local, zone)
        slots.append((start, start + timedelta(minutes=request.duration_minutes)))
    _check_people_free([request.facilitator, *request.co_facilitators], slots)
    return slots


def check_co_facilitators(room: Room, facilitator: User, usernames) -> list[User]:
    """Return the users named as co-facilitators; each must be one of the room's facilitators (or mentors).

    ``usernames`` comes straight from a request: None means none, anything but a list of strings is refused
    (SessionFieldError); a name who does not run the room is a ScheduleError.
    """
    if usernames is None:
        return []
    if not isinstance(usernames, list) or not all(isinstance(name, str) for name in usernames):
        raise SessionFieldError("co_facilitators", "'co_facilitators' must be a list of usernames")
    names = [name for name in dict.fromkeys(n.strip() for n in usernames) if name and name != facilitator.username]
    if len(names) > MAX_CO_FACILITATORS:
        raise ScheduleError("co_facilitators", f"a session has at most {MAX_CO_FACILITATORS} co-facilitators")
    found = {user.username: user for user in room.facilitators.filter(username__in=names)}
    for name in names:
        if name not in found:
            raise ScheduleError(
                "co_facilitators",
                f"{name!r} does not facilitate {room.title} (an operator assigns a room's facilitators)",
            )
    return [found[name] for name in names]


def _check_people_free(people: list[User], slots, except_series: SessionSeries | None = None) -> None:
    """Refuse slots that overlap another live session that any of ``people`` runs or co-runs."""
    theirs = SessionOccurrence.objects.filter(cancelled=False).filter(
        Q(series__facilitator__in=people) | Q(series__co_facilitators__in=people)
    )
    if except_series is not None:
        theirs = theirs.exclude(series=except_series)
    for start, end in slots:
        clash = theirs.filter(starts_at__lt=end, ends_at__gt=start).select_related("series").first()
        if clash is not None:
            raise ScheduleError(
                "start",
                f"overlaps {clash.series.title!r} on {clash.starts_at:%Y-%m-%d %H:%M} UTC with the same facilitator",
            )


# Carries nothing but its type: each open room page fetches the sessions again through the HTTP API, which
# answers per viewer (their own RSVP), so one frame serves the whole room.
SESSIONS_CHANGED_FRAME = encode({"type": "sessions.changed"})


def announce_sessions_changed(room_id: int) -> None:
    """Tell the room's open pages, once the transaction commits, that its sessions changed."""
    publish_room_frame(room_group(room_id), SESSIONS_CHANGED_FRAME)


@transaction.atomic
def do_create_series(request: SeriesRequest, now: datetime) -> SessionSeries:
    slots = check_series(request, now)
    series = SessionSeries.objects.create(
        room=request.room,
        title=request.title.strip(),
        description=request.description,
        time_zone=request.time_zone,
        first_date=request.local_start.date(),
        local_time=request.local_start.time(),
        duration_minutes=request.duration_minutes,
        weekly_until=request.weekly_until,
        capacity=request.capacity,
        facilitator=request.facilitator,
    )
    series.co_facilitators.set(request.co_facilitators)
    SessionOccurrence.objects.bulk_create(
        SessionOccurrence(series=series, starts_at=start, ends_at=end) for start, end in slots
    )
    announce_sessions_changed(series.room_id)
    return series


@transaction.atomic
def do_set_capacity(series: SessionSeries, capacity: int) -> None:
    """Change a series' capacity; refuse one below the RSVPs already confirmed for any occurrence."""
    if not (1 <= capacity <= MAX_CAPACITY):
        raise ScheduleError("capacity", f"capacity must be between 1 and {MAX_CAPACITY}")
    busiest = max((o.rsvps.filter(status=Rsvp.Status.GOING).count() for o in series.occurrences.all()), default=0)
    if capacity < busiest:
        raise ScheduleError("capacity", f"{busiest} people are already going to one of these sessions")
    series.capacity = capacity
    series.save(update_fields=["capacity"])


def occurrence_payload(occurrence: SessionOccurrence, viewer: User | None = None, staff: bool = False) -> dict:
    """The JSON of one occurrence. ``staff`` adds what the people running the room need to edit it."""
    going = sum(1 for r in occurrence.rsvps.all() if r.status == Rsvp.Status.GOING)
    mine = next((r.status for r in occurrence.rsvps.all() if viewer is not None and r.user_id == viewer.pk), None)
    series = occurrence.series
    hosts = [series.facilitator, *series.co_facilitators.all()]
    payload = {
        "id": occurrence.pk,
        "series": series.pk,
        "title": series.title,
        "description": series.description,
        "starts_at": occurrence.starts_at.isoformat(),
        "ends_at": occurrence.ends_at.isoformat(),
        "time_zone": series.time_zone,
        "capacity": series.capacity,
        "seats_left": max(0, series.capacity - going),
        "cancelled": occurrence.cancelled,
        # Staff post under their name everywhere, so naming who runs a session reveals nothing.
        "facilitators": [{"name": host.display_name, "role": host.role} for host in hosts],
        "you": mine,
    }
    if staff:
        payload["co_facilitators"] = [host.username for host in hosts[1:]]
    return payload


def with_details(occurrences):
    """Fetch what ``occurrence_payload`` reads in a fixed number of queries."""
    return occurrences.select_related("series__facilitator").prefetch_related("rsvps", "series__co_facilitators")


def upcoming(room: Room, now: datetime, limit: int = 20):
    """The room's occurrences that have not ended, soonest first."""
    return with_details(
        SessionOccurrence.objects.filter(series__room=room, ends_at__gt=now, cancelled=False)
    ).order_by("starts_at")[:limit]


def next_sessions(rooms, now: datetime) -> dict[int, SessionOccurrence]:
    """Return each room's soonest occurrence that has not ended (``upcoming(room, now, limit=1)``), by room id.

    One query for all the rooms (plus the fixed ones of ``with_details``): the room directory lists every room.
    """
    room_ids = [room.pk for room in rooms]
    if not room_ids:
        return {}
    soonest_first = Window(
        RowNumber(), partition_by=F("series__room_id"), order_by=(F("starts_at").asc(), F("pk").asc())
    )
    firsts = with_details(
        SessionOccurrence.objects.filter(series__room_id__in=room_ids, ends_at__gt=now, cancelled=False)
        .annotate(place=soonest_first)
        .filter(place=1)
    )
    return {occurrence.series.room_id: occurrence for occurrence in firsts}


def recent_and_upcoming(room: Room, now: datetime, days: int = 7, limit: int = 40):
    """Sessions of the room that ended in the last ``days`` days or have not ended, in time order."""
    return with_details(
        SessionOccurrence.objects.filter(series__room=room, ends_at__gt=now - timedelta(days=days))
    ).order_by("starts_at")[:limit]


def in_session(room: Room, now: datetime) -> bool:
    return SessionOccurrence.objects.filter(
        series__room=room, cancelled=False, starts_at__lte=now, ends_at__gt=now
    ).exists()


def _tell_attendees(occurrences, subject: str, body: str) -> int:
    """E-mail everyone signed up (going or waitlisted) for these occurrences; return how many were told."""
    return send_each(
        [
            (subject, body, rsvp.user.email)
            for rsvp in Rsvp.objects.filter(occurrence__in=occurrences).select_related("user")
            if rsvp.user.email
        ]
    )


@transaction.atomic
def do_cancel(occurrence: SessionOccurrence, whole_series: bool, now: datetime) -> list[SessionOccurrence]:
    """Cancel one occurrence or every future one of its series; attendees are told by e-mail."""
    series = occurrence.series
    targets = [occurrence]
    if whole_series:
        targets = list(series.occurrences.filter(cancelled=False, starts_at__gt=now))
    SessionOccurrence.objects.filter(pk__in=[o.pk for o in targets]).update(cancelled=True)
    announce_sessions_changed(series.room_id)
    dates = ", ".join(f"{o.starts_at.astimezone(ZoneInfo(series.time_zone)):%a %d %b %H:%M}" for o in targets)
    transaction.on_commit(
        lambda: _tell_attendees(
            targets, f"Cancelled: {series.title}", f"{series.title!r} in {series.room.title} is cancelled on: {dates}."
        )
    )
    return targets


@transaction.atomic
def do_move(occurrence: SessionOccurrence, local_start: datetime, duration_minutes: int, now: datetime) -> None:
    """Move one occurrence to a new local start and length (same rules as scheduling); attendees are told."""
    series = occurrence.series
    request = SeriesRequest(
        room=series.room,
        title=series.title,
        time_zone=series.time_zone,
        local_start=local_start,
        duration_minutes=duration_minutes,
        capacity=series.capacity,
        facilitator=series.facilitator,
        co_facilitators=list(series.co_facilitators.all()),
    )
    # Check the new slot against everything except this occurrence itself.
    occurrence.cancelled = True
    occurrence.save(update_fields=["cancelled"])
    [(start, end)] = check_series(request, now)
    occurrence.starts_at, occurrence.ends_at, occurrence.cancelled = start, end, False
    occurrence.save(update_fields=["starts_at", "ends_at", "cancelled"])
    announce_sessions_changed(series.room_id)
    local = start.astimezone(ZoneInfo(series.time_zone))
    transaction.on_commit(
        lambda: _tell_attendees(
            [occurrence],
            f"New time: {series.title}",
            f"{series.title!r} in {series.room.title} now starts {local:%a %d %b %H:%M} ({series.time_zone}).",
        )
    )


@transaction.atomic
def do_end(occurrence: SessionOccurrence, now: datetime) -> None:
    """End a running session now (a sessions-only room closes for posting)."""
    if not (occurrence.starts_at <= now < occurrence.ends_at):
        raise ScheduleError("occurrence", "only a running session can be ended")
    occurrence.ends_at = now
    occurrence.save(update_fields=["ends_at"])
    announce_sessions_changed(occurrence.series.room_id)


@transaction.atomic
def do_edit_series(series: SessionSeries, now: datetime, **changes) -> SessionSeries:
    """Change a series' title, description, capacity or co-facilitators; attendees are told.

    Capacity never goes below confirmed RSVPs; ``co_facilitators`` (a list of users, already checked with
    ``check_co_facilitators``) must be free for every future session of the series.
    """
    if "co_facilitators" in changes:
        people = changes["co_facilitators"]
        future_slots = [(o.starts_at, o.ends_at) for o in series.occurrences.filter(cancelled=False, ends_at__gt=now)]
        _check_people_free(people, future_slots, except_series=series)
        series.co_facilitators.set(people)
    if "capacity" in changes:
        capacity = changes["capacity"]
        if not isinstance(capacity, int) or isinstance(capacity, bool):
            raise SessionFieldError("capacity", "'capacity' must be a whole number")
        do_set_capacity(series, capacity)
    if "title" in changes:
        series.title = check_title(changes["title"])
    if "description" in changes:
        series.description = str(changes["description"])
    series.save(update_fields=["title", "description"])
    announce_sessions_changed(series.room_id)
    future = list(series.occurrences.filter(cancelled=False, starts_at__gt=now))
    transaction.on_commit(
        lambda: _tell_attendees(
            future, f"Updated: {series.title}", f"The details of {series.title!r} in {series.room.title} changed."
        )
    )
    return series
