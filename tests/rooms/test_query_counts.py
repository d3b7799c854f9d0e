"""Pinned query counts of the hot paths: a query per room, session, message or member fails here.

Each test builds enough rows (6+ rooms, sessions, messages, hands, RSVPs) that a query per row would
exceed its pin. The pins are maxima at today's count: lower them when a change saves a query, and raise
one only with a reason (docs/architecture.md, "Pinned query counts"). Counts are for the test settings,
where the moderation rules' version stamp is read on every send (CHAT_RULES_REFRESH_SECONDS = 0).
"""

from datetime import datetime, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from moderation.models import Escalation
from rooms import edits, history, reactions, reads, services, sessions
from rooms.models import Membership, Message, MessageState, RaisedHand, Room, Rsvp

pytestmark = pytest.mark.django_db

ROOMS = 6
PEOPLE = 6

# --- join_snapshot (room.joined, sent on every connect) -------------------------------------------

# The room (fresh), its pinned message (when it has one, with the message it quotes), raised hands, history
# (with the messages its replies quote), and the reactions of the history's messages (counts and the viewer's
# own, in one query). The pinned message was joined into the room's query until the join's CPU was measured:
# reading it by id costs one round trip and less CPU than that join did (docs/benchmarks.md, handshakes/s).
JOIN_QUERIES = 5
# The same, plus the changes to messages the client already had (their reactions in one more query, when any).
REPLAY_QUERIES = 6


@pytest.fixture
def busy_room(make_room, make_user):
    """A room with a pinned message, a sharing circle with a named speaker and PEOPLE named members' raised
    hands, and 12 messages (2 held, 2 hidden by moderators since; from the 2nd on each replies to the one before
    and has reactions from every member)."""
    room = make_room(slug="busy")
    members = [services.do_join_room(make_user(), room) for _ in range(PEOPLE + 1)]
    speaker, hands = members[0], members[1:]
    for number in range(12):
        reply_to = number or None  # the seq of the message before
        services.do_send_message(hands[number % PEOPLE].pk, f"c{number}", f"message number {number}", reply_to)
        for member in members:
            reactions.do_set_reaction(member.pk, number + 1, "heart", True)
    Message.objects.filter(room=room, seq__in=[3, 9]).update(state=MessageState.HELD)
    Message.objects.filter(room=room, seq__in=[2, 5]).update(
        state=MessageState.REMOVED, state_changed_at=timezone.now()
    )
    # Named members: each hand and the turn keep the name they were raised or given under.
    Membership.objects.filter(pk__in=[m.pk for m in members]).update(is_anonymous=False)
    for member in hands:
        RaisedHand.objects.create(room=room, member=member, shown_as=member.user.display_name)
    Room.objects.filter(pk=room.pk).update(
        circle_active=True,
        circle_speaker=speaker,
        circle_speaker_shown_as=speaker.user.display_name,
        pinned_message=Message.objects.get(room=room, seq=4),
    )
    return room


def _connected_member(user, slug):
    """The membership as the room consumer holds it (rooms.consumers._join)."""
    room = services.get_room(slug)
    membership = services.do_join_room(user, room)
    membership.room, membership.user = room, user
    return membership


def test_join_snapshot_query_count_is_pinned(busy_room, make_user, django_assert_max_num_queries):
    membership = _connected_member(make_user(), busy_room.slug)
    with django_assert_max_num_queries(JOIN_QUERIES):
        frame = history.join_snapshot(membership, None, online=3)
    assert len(frame["history"]) == 8 and frame["room"]["pinned_message"]["seq"] == 4
    assert all(m["reactions"] == {"heart": PEOPLE + 1} and m["my_reactions"] == [] for m in frame["history"])
    quotes = [m["reply_to"] for m in frame["history"][1:]]
    assert [q["seq"] for q in quotes] == [3, 5, 6, 7, 9, 10, 11]
    assert [bool(q.get("unavailable")) for q in quotes] == [True, True, False, False, True, False, False]
    hands, speaker = frame["circle"]["hands"], frame["circle"]["speaker"]
    assert len(hands) == PEOPLE and all(name.startswith("First") for name in [*hands, speaker])


def test_join_snapshot_replay_query_count_is_pinned(busy_room, make_user, django_assert_max_num_queries):
    membership = _connected_member(make_user(), busy_room.slug)
    with django_assert_max_num_queries(REPLAY_QUERIES):
        frame = history.join_snapshot(membership, 6, online=3)
    assert [m["seq"] for m in frame["history"]] == [7, 8, 10, 11, 12]
    # Hidden ones go; the reacted-to ones come again with their reactions.
    changes = [(c["type"], c["seq"], c.get("reactions")) for c in frame["changes"]]
    heart = {"heart": PEOPLE + 1}
    removed = ("message.removed", None)
    assert [(kind, reactions) for kind, _seq, reactions in changes] == [
        ("message", heart),
        removed,
        removed,
        ("message", heart),
        removed,
        ("message", heart),
    ]
    assert [seq for _kind, seq, _reactions in changes] == [1, 2, 3, 4, 5, 6]
    assert len(frame["circle"]["hands"]) == PEOPLE


# --- the room directory: /api/rooms/ (polled by every open directory tab) and the home page --------------

# Rooms, then the next session of each: occurrences, their RSVPs, their co-facilitators.
ROOM_LIST_QUERIES = 4
LOGIN_QUERIES = 2  # the session and the user, for a signed-in request
HOME_PAGE_QUERIES = LOGIN_QUERIES + ROOM_LIST_QUERIES


@pytest.fixture
def directory(make_room, make_user):
    """ROOMS active rooms, each but the last with a weekly series (people going, a co-facilitator), and
    one inactive room. Return the facilitator and the rooms."""
    facilitator, co = make_user(role="facilitator"), make_user(role="facilitator")
    now = timezone.now()
    rooms = [make_room(slug=f"room-{n}", title=f"Room {n}") for n in range(ROOMS)]
    make_room(slug="closed", title="Closed", is_active=False)
    for number, room in enumerate(rooms[:-1]):
        room.facilitators.add(facilitator, co)
        day = (now + timedelta(days=number + 1)).date()
        series = sessions.do_create_series(
            sessions.SeriesRequest(
                room=room,
                title=f"Circle {number}",
                time_zone="UTC",
                local_start=datetime.combine(day, time(9 + number)),
                duration_minutes=60,
                capacity=10,
                facilitator=facilitator,
                weekly_until=day + timedelta(days=21),
                co_facilitators=[co],
            ),
            now,
        )
        for occurrence in series.occurrences.all():
            for _ in range(3):
                Rsvp.objects.create(occurrence=occurrence, user=make_user(), status=Rsvp.Status.GOING)
    return facilitator, rooms


def test_room_list_query_count_is_pinned(directory, make_user, django_assert_max_num_queries):
    _facilitator, rooms = directory
    client = Client()
    client.force_login(make_user())
    # One more for a signed-in user: their unread counts (rooms.reads.unread_counts).
    with django_assert_max_num_queries(LOGIN_QUERIES + ROOM_LIST_QUERIES + 1):
        listed = client.get("/api/rooms/").json()["rooms"]
    assert [r["slug"] for r in listed] == [room.slug for room in rooms]
    firsts = [sessions.upcoming(room, timezone.now(), limit=1) for room in rooms]
    assert [r["next_session"] for r in listed] == [sessions.occurrence_payload(f[0]) if f else None for f in firsts]
    assert all(r["next_session"]["seats_left"] == 7 for r in listed[:-1]) and listed[-1]["next_session"] is None


def test_home_page_query_count_is_pinned(directory, make_user, django_assert_max_num_queries):
    student = make_user()
    student.safety_notice_accepted_at = timezone.now()
    student.save()
    client = Client()
    client.force_login(student)
    with django_assert_max_num_queries(HOME_PAGE_QUERIES):
        page = client.get("/").content.decode()
    assert all(f"Circle {n}" in page for n in range(ROOMS - 1))


def test_next_sessions_skip_ended_and_cancelled_ones(directory):
    _facilitator, rooms = directory
    first = sessions.upcoming(rooms[0], timezone.now(), limit=1)[0]
    first.cancelled = True
    first.save()
    found = sessions.next_sessions(rooms, timezone.now())
    assert found[rooms[0].pk] != first and found[rooms[0].pk] == sessions.upcoming(rooms[0], timezone.now())[0]
    assert rooms[-1].pk not in found
    after_the_last = timezone.now() + timedelta(days=30)
    assert sessions.next_sessions(rooms, after_the_last) == {} and sessions.next_sessions([], after_the_last) == {}


# --- the session lists: /api/rooms/<slug>/sessions/ (everyone) and ?recent=1 (room staff) ---------------

# The room, then the occurrences, their RSVPs and their co-facilitators.
SESSION_LIST_QUERIES = LOGIN_QUERIES + 4
STAFF_SESSION_LIST_QUERIES = SESSION_LIST_QUERIES + 1  # is this user one of the room's facilitators?


def test_session_list_query_counts_are_pinned(directory, make_user, django_assert_max_num_queries):
    facilitator, rooms = directory
    url = f"/api/rooms/{rooms[0].slug}/sessions/"
    client = Client()
    client.force_login(make_user())
    with django_assert_max_num_queries(SESSION_LIST_QUERIES):
        listed = client.get(url).json()["sessions"]
    assert len(listed) == 4 and all(len(s["facilitators"]) == 2 and s["seats_left"] == 7 for s in listed)

    client.force_login(facilitator)
    with django_assert_max_num_queries(STAFF_SESSION_LIST_QUERIES):
        recent = client.get(url + "?recent=1").json()["sessions"]
    assert len(recent) == 4 and all(len(s["co_facilitators"]) == 1 for s in recent)


# --- the message send path: rooms.services.do_send_message -----------------------------------------

# The membership (with user and room), an earlier message with this client_id?, the author's recent messages
# and the rules' version stamp; then the transaction: count the seq (which locks the room), insert the message.
# Inside pytest-django's test transaction the atomic block adds a savepoint and its release.
SEND_QUERIES = 8
# An escalated message also stores its Escalation and reads the context moderators see with it; a crisis message
# that reaches the room stamps the room's worried-peer card (at most once an hour per room).
ESCALATED_SEND_QUERIES = SEND_QUERIES + 3


@pytest.fixture
def talkative(make_room, make_user):
    """A room of PEOPLE members where the author has already sent 10 messages (so the rules are loaded)."""
    room = make_room(slug="talkative")
    author, *others = [services.do_join_room(make_user(), room) for _ in range(PEOPLE)]
    for number in range(10):
        services.do_send_message(author.pk, f"a{number}", f"earlier message {number} from the author")
        services.do_send_message(others[number % len(others)].pk, f"o{number}", f"a reply, number {number}")
    return author


def test_send_message_query_count_is_pinned(talkative, django_assert_max_num_queries):
    with django_assert_max_num_queries(SEND_QUERIES):
        result = services.do_send_message(talkative.pk, "new", "anyone else on nights this week?")
    assert result.status == "delivered" and result.seq == 21


def test_escalated_send_query_count_is_pinned(talkative, django_assert_max_num_queries):
    with django_assert_max_num_queries(ESCALATED_SEND_QUERIES):
        result = services.do_send_message(talkative.pk, "crisis", "I don't want to be here anymore")
    assert result.crisis_level >= 1 and Escalation.objects.filter(message__seq=result.seq).exists()
    # It reached the room, so the room's worried-peer card went out too: written with the seq, no extra query.
    assert Room.objects.get(slug="talkative").worried_card_sent_at is not None


def test_a_resend_is_answered_from_one_query_after_the_membership(talkative, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        result = services.do_send_message(talkative.pk, "a3", "earlier message 3 from the author")
    assert result.duplicate and result.seq == 7


# --- changes to messages: edits, deletions, reactions, read markers ----------------------------------------

# The membership (with user and room), the message, the author's recent messages and the rules' version stamp;
# then the transaction: the message again under a lock, the revision, the update; savepoint and release.
EDIT_QUERIES = 9
# The membership; in the transaction: the message under a lock, the revision, the update, its reactions gone.
DELETE_QUERIES = 7
# The membership; in the transaction: the message under a lock, the reaction (a savepoint around its insert),
# the counts, the message's change time.
REACTION_QUERIES = 9
READ_QUERIES = 1  # one UPDATE, whatever the room


def test_edit_query_count_is_pinned(talkative, django_assert_max_num_queries):
    with django_assert_max_num_queries(EDIT_QUERIES):
        result = edits.do_edit_message(talkative.pk, 19, "earlier message 9 from the author, edited")
    assert result.status == "edited"


def test_delete_query_count_is_pinned(talkative, django_assert_max_num_queries):
    with django_assert_max_num_queries(DELETE_QUERIES):
        edits.do_delete_message(talkative.pk, 19)
    assert Message.objects.get(seq=19, room=talkative.room).deleted_at is not None


def test_reaction_query_count_is_pinned(talkative, django_assert_max_num_queries):
    with django_assert_max_num_queries(REACTION_QUERIES):
        state, changed = reactions.do_set_reaction(talkative.pk, 20, "hug", True)
    assert changed and state.counts == {"hug": 1}


def test_read_marker_query_count_is_pinned(talkative, django_assert_max_num_queries):
    with django_assert_max_num_queries(READ_QUERIES):
        reads.do_mark_read(talkative.pk, 15)
    assert Membership.objects.get(pk=talkative.pk).last_read_seq == 15
