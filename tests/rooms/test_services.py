"""Room services: seq allocation, idempotent sends, identity policy."""

import threading

import pytest
from django.db import connection, connections

from rooms import services
from rooms.models import Message, Room
from rooms.protocol import FORBIDDEN, ProtocolError


@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_get_gapless_unique_seqs(make_user, make_room):
    """20 senders at once into one room: seqs are exactly 1..N on this run's database."""
    room = make_room()
    members = [services.do_join_room(make_user(), room) for _ in range(20)]
    per_sender = 5
    start = threading.Barrier(len(members))
    failures = []

    def sender(membership):
        try:
            start.wait()
            for number in range(per_sender):
                services.do_send_message(membership.pk, f"c{number}", f"message {number} from {membership.pk}")
        except Exception as error:  # reported below; a thread's exception would otherwise vanish
            failures.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sender, args=(m,)) for m in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    total = len(members) * per_sender
    seqs = list(Message.objects.filter(room=room).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, total + 1)), f"gaps or duplicates on {connection.vendor}"
    assert Room.objects.get(pk=room.pk).last_seq == total


@pytest.mark.django_db(transaction=True)
def test_concurrent_resends_of_one_client_id_store_one_message(make_user, make_room):
    room = make_room()
    membership = services.do_join_room(make_user(), room)
    start = threading.Barrier(8)
    results = []

    def resend():
        try:
            start.wait()
            results.append(services.do_send_message(membership.pk, "same", "only once please"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=resend) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 8
    assert {(r.seq, r.status) for r in results} == {(1, "delivered")}
    assert Message.objects.filter(room=room).count() == 1


@pytest.mark.django_db
def test_seqs_are_per_room(make_user, make_room):
    first, second = make_room(), make_room()
    user = make_user()
    a, b = services.do_join_room(user, first), services.do_join_room(user, second)
    assert services.do_send_message(a.pk, "x1", "one").seq == 1
    assert services.do_send_message(b.pk, "x1", "one").seq == 1
    assert services.do_send_message(a.pk, "x2", "two").seq == 2


@pytest.mark.django_db
def test_stored_body_is_what_the_pipeline_returned(make_user, make_room):
    membership = services.do_join_room(make_user(), make_room())
    services.do_send_message(membership.pk, "h", "  <b>bold</b> claim  ")
    assert Message.objects.get().body == services.pipeline.review("  <b>bold</b> claim  ").text


@pytest.mark.django_db
def test_room_policy_change_applies_on_next_join(make_user, make_room):
    room = make_room(anonymity="allowed")
    user = make_user()
    assert services.do_join_room(user, room).is_anonymous is True
    Room.objects.filter(pk=room.pk).update(anonymity="off")
    room.refresh_from_db()
    assert services.do_join_room(user, room).is_anonymous is False


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["mentor", "facilitator", "moderator"])
def test_staff_roles_never_post_anonymously(make_user, make_room, role):
    room = make_room(anonymity="required")
    membership = services.do_join_room(make_user(role=role), room)
    assert membership.is_anonymous is False
    with pytest.raises(ProtocolError) as caught:
        services.do_set_identity(membership.pk, True)
    assert caught.value.code == FORBIDDEN


@pytest.mark.django_db
def test_banned_member_cannot_join(make_user, make_room):
    room = make_room()
    user = make_user()
    membership = services.do_join_room(user, room)
    membership.is_banned = True
    membership.save()
    with pytest.raises(services.MemberBanned):
        services.do_join_room(user, room)


@pytest.mark.django_db
def test_unknown_and_inactive_rooms_are_not_found(make_room):
    make_room(slug="archived", is_active=False)
    for slug in ("archived", "never-existed"):
        with pytest.raises(services.RoomNotFound):
            services.get_room(slug)
