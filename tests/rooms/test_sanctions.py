"""Muted and banned members see it plainly: the reason, the end of a mute (as an instant their page shows in their
own time zone), and where to appeal a ban."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.utils import timezone

from moderation.member_actions import do_ban_member, do_mute_member
from rooms.models import Membership
from tests.conftest import receive_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scene(make_user, make_room):
    room = make_room(slug="burnout", title="Burnout")
    return room, make_user(), make_user(role="moderator")


async def joined(connect, user, slug):
    socket = await connect(user, slug)
    return socket, await socket.receive_json_from()


async def test_a_muted_member_learns_why_and_until_when_on_every_join(scene, connect):
    room, student, moderator = scene
    _socket, first = await joined(connect, student, room.slug)
    assert first["you"]["muted_until"] is None and first["you"]["mute_reason"] is None
    alias = first["you"]["alias"]
    await sync_to_async(do_mute_member)(moderator, room.slug, alias, 90, "Take a breather, please.")
    member = await sync_to_async(Membership.objects.get)(alias=alias)

    socket, frame = await joined(connect, student, room.slug)  # a reload, another tab
    assert frame["you"]["mute_reason"] == "Take a breather, please."
    assert frame["you"]["muted_until"] == member.muted_until.isoformat()
    await socket.send_json_to({"type": "message.send", "client_id": "m1", "body": "hello?"})
    error = await receive_until(socket, "error")
    assert error["code"] == "muted" and "Take a breather, please." in error["detail"]
    assert "+00:00" not in error["detail"], "no raw UTC timestamp: the page shows the local end time"


async def test_an_expired_mute_is_not_reported(scene, connect):
    room, student, _moderator = scene
    _socket, first = await joined(connect, student, room.slug)
    await sync_to_async(Membership.objects.filter(alias=first["you"]["alias"]).update)(
        muted_until=timezone.now() - timedelta(minutes=1), mute_reason="old"
    )
    _socket, frame = await joined(connect, student, room.slug)
    assert frame["you"]["muted_until"] is None and frame["you"]["mute_reason"] is None


async def test_a_banned_member_is_told_why_and_how_to_appeal_live_and_on_the_room_page(scene, connect, settings):
    settings.MODERATION_APPEAL_CONTACT = "appeals@med.example.edu"
    room, student, moderator = scene
    socket, first = await joined(connect, student, room.slug)
    await sync_to_async(do_ban_member)(moderator, room.slug, first["you"]["alias"], "Threats against a member")
    assert await receive_until(socket, "banned") == {
        "type": "banned",
        "reason": "Threats against a member",
        "appeal": "appeals@med.example.edu",
    }
    assert (await receive_until(socket, "error"))["code"] == "forbidden"

    def room_page():
        client = Client()
        client.force_login(student)
        return client.get(f"/rooms/{room.slug}/").content.decode()

    page = await sync_to_async(room_page)()
    assert "You are banned from this room" in page and "Threats against a member" in page
    assert 'href="mailto:appeals@med.example.edu"' in page
