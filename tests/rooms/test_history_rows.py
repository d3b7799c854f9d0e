"""History reads its messages in SQL written once (rooms.history._message_rows), not through the ORM.

These tests hold that reader to what the ORM gives: for every kind of message a member can meet (their own and
others' held messages, removed, deleted, edited, replies to each of those, named and anonymous authors, reactions
of their own and of others), the history, the replay after a reconnect and the pinned message are the payloads
protocol.message_payload builds from Message models. They run on SQLite here and on PostgreSQL in the services
pass, where the raw values differ (SQLite gives timestamps as text and booleans as integers).
"""

import pytest
from django.utils import timezone

from rooms import edits, history, protocol, reactions, services
from rooms.models import Membership, Message, MessageState, Room

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied_room(make_room, make_user):
    """A room whose 14 messages cover every state, change and kind of reply; returns (room, viewer, other)."""
    room = make_room(slug="varied")
    viewer = services.do_join_room(make_user(), room)
    other = services.do_join_room(make_user(), room)
    named = services.do_join_room(make_user(role="mentor"), room)
    Membership.objects.filter(pk=named.pk).update(is_anonymous=False)
    authors = [viewer, other, named]
    for seq in range(1, 15):
        # The mentor's messages (3, 6, 9, 12) reply to the one before: deleted, removed, held and visible below.
        reply_to = seq - 1 if seq % 3 == 0 else None
        services.do_send_message(authors[(seq - 1) % 3].pk, f"c{seq}", f"message  number\n{seq}", reply_to)
    edits.do_edit_message(viewer.pk, 4, "message number 4, edited")
    edits.do_delete_message(other.pk, 2)
    edits.do_delete_message(viewer.pk, 10)
    for member, seq, kind in [(viewer, 1, "heart"), (other, 1, "heart"), (other, 1, "hug"), (named, 6, "hug")]:
        reactions.do_set_reaction(member.pk, seq, kind, True)
    now = timezone.now()
    # Held: one of the viewer's own (they see it, marked) and one of another member's (nobody else sees it).
    Message.objects.filter(room=room, seq__in=[7, 8]).update(state=MessageState.HELD, state_changed_at=now)
    Message.objects.filter(room=room, seq=5).update(state=MessageState.REMOVED, state_changed_at=now)
    Room.objects.filter(pk=room.pk).update(pinned_message=Message.objects.get(room=room, seq=9))
    return room, viewer, other


def _orm_payloads(room, viewer, seqs):
    """What the ORM-built payloads of these messages are, for this viewer."""
    messages = list(Message.objects.filter(room=room, seq__in=seqs).select_related("reply_to").order_by("seq"))
    counts, mine = reactions.reactions_by_message([m.pk for m in messages if m.deleted_at is None], viewer)
    return [
        protocol.message_payload(
            m,
            include_client_id=(m.author_id == viewer.pk),
            reactions=counts.get(m.pk),
            my_reactions=mine.get(m.pk, []),
        )
        for m in messages
    ]


def test_history_on_join_is_what_the_orm_gives(varied_room):
    room, viewer, _other = varied_room
    frame = history.join_snapshot(viewer, None, online=1)
    shown = [m["seq"] for m in frame["history"]]
    # Every message but the other member's held one (8) and the removed one (5); tombstones keep their place.
    assert shown == [1, 2, 3, 4, 6, 7, 9, 10, 11, 12, 13, 14]
    assert frame["history"] == _orm_payloads(room, viewer, shown)
    # The details the ORM path gave, spelled out: a user would see these.
    by_seq = {m["seq"]: m for m in frame["history"]}
    assert by_seq[7]["state"] == "held" and by_seq[7]["mine"] is True
    assert by_seq[2] == {**by_seq[2], "deleted": True, "body": ""}
    assert by_seq[4]["edited_at"] and by_seq[4]["body"] == "message number 4, edited"
    assert by_seq[1]["reactions"] == {"heart": 2, "hug": 1} and by_seq[1]["my_reactions"] == ["heart"]
    # Quotes of a deleted, a removed and a held message are unavailable; of a visible one, its words on one line.
    assert [by_seq[seq]["reply_to"] for seq in (3, 6, 9)] == [{"seq": s, "unavailable": True} for s in (2, 5, 8)]
    assert by_seq[12]["reply_to"]["snippet"] == "message number 11"
    assert by_seq[3]["author"] == {"name": by_seq[3]["author"]["name"], "anonymous": False, "role": "mentor"}
    assert by_seq[1]["author"]["anonymous"] is True
    assert frame["room"]["pinned_message"] == protocol.message_payload(
        Message.objects.select_related("reply_to").get(room=room, seq=9)
    )


def test_a_page_of_history_for_another_member_hides_the_viewers_held_message(varied_room):
    room, _viewer, other = varied_room
    messages, has_more = history.messages_before(room.pk, other, 15, 5)
    assert [m["seq"] for m in messages] == [10, 11, 12, 13, 14] and has_more
    assert messages == _orm_payloads(room, other, [m["seq"] for m in messages])
    messages, has_more = history.messages_after(room.pk, other, 3, 4)
    assert [m["seq"] for m in messages] == [4, 6, 8, 9] and has_more
    assert messages == _orm_payloads(room, other, [4, 6, 8, 9])


def test_the_replay_after_a_reconnect_is_what_the_orm_gives(varied_room):
    room, viewer, _other = varied_room
    frame = history.join_snapshot(viewer, 6, online=1)
    assert [m["seq"] for m in frame["history"]] == [7, 9, 10, 11, 12, 13, 14]
    assert frame["history"] == _orm_payloads(room, viewer, [7, 9, 10, 11, 12, 13, 14])
    # Changed since (edited, deleted, reacted to, removed) at or before 6: the removed one goes, the others come
    # again as the ORM would build them.
    changes = frame["changes"]
    assert [c for c in changes if c["type"] == "message.removed"] == [{"type": "message.removed", "seq": 5}]
    again = [c for c in changes if c["type"] == "message"]
    assert {1, 2, 4, 6} <= {c["seq"] for c in again}
    assert again == _orm_payloads(room, viewer, [c["seq"] for c in again])


def test_a_pinned_message_that_is_no_longer_visible_is_not_shown(varied_room):
    room, viewer, _other = varied_room
    Room.objects.filter(pk=room.pk).update(pinned_message=Message.objects.get(room=room, seq=8))
    assert history.join_snapshot(viewer, None, online=1)["room"]["pinned_message"] is None


def _fields(instance):
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_a_returning_member_is_read_in_one_query_as_the_orm_reads_them(
    varied_room, make_user, django_assert_max_num_queries
):
    room, viewer, _other = varied_room
    # Give the datetime and boolean columns values to convert (SQLite returns them as text and integers).
    Membership.objects.filter(pk=viewer.pk).update(muted_until=timezone.now(), mute_reason="a test", last_read_seq=3)
    Room.objects.filter(pk=room.pk).update(worried_card_sent_at=timezone.now(), posting_open=False)
    with django_assert_max_num_queries(1):
        membership = services.find_membership(viewer.user, room.slug)
    assert _fields(membership) == _fields(Membership.objects.get(pk=viewer.pk))
    assert _fields(membership.room) == _fields(Room.objects.get(pk=room.pk))
    assert membership.room.posting_open is False and membership.is_anonymous is True
    assert membership.user == viewer.user
    # Someone who never joined, or a room that is closed, is not found this way.
    assert services.find_membership(make_user(), room.slug) is None
    Room.objects.filter(pk=room.pk).update(is_active=False)
    assert services.find_membership(viewer.user, room.slug) is None


def test_the_snapshot_reads_the_room_as_the_orm_reads_it(varied_room):
    room, viewer, _other = varied_room
    Room.objects.filter(pk=room.pk).update(worried_card_sent_at=timezone.now(), slow_mode_seconds=30)
    frame = history.join_snapshot(viewer, None, online=1)
    assert _fields(viewer.room) == _fields(Room.objects.get(pk=room.pk))
    assert frame["room"]["slow_mode_seconds"] == 30 and frame["last_seq"] == 14


def test_a_banned_member_coming_back_is_refused(varied_room):
    room, _viewer, other = varied_room
    Membership.objects.filter(pk=other.pk).update(is_banned=True)
    with pytest.raises(services.MemberBanned):
        services.find_membership(other.user, room.slug)


def test_a_sender_is_read_with_their_user_and_room_as_the_orm_reads_them(varied_room, django_assert_max_num_queries):
    _room, viewer, _other = varied_room
    Membership.objects.filter(pk=viewer.pk).update(muted_until=timezone.now())
    with django_assert_max_num_queries(1):
        sender = services._sender(viewer.pk)
    expected = Membership.objects.select_related("user", "room").get(pk=viewer.pk)
    assert _fields(sender) == _fields(expected)
    assert _fields(sender.user) == _fields(expected.user) and _fields(sender.room) == _fields(expected.room)
    with pytest.raises(Membership.DoesNotExist):
        services._sender(viewer.pk + 1000)
