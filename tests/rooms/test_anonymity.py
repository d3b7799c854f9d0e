"""Anonymity is a promise: nothing a non-staff user receives identifies an anonymous author.

The observer's whole view is collected (WebSocket frames, JSON API responses, HTML pages) and searched
for every identifier of the anonymous author: username, first and last name, e-mail, user id and
membership id (as values of id-like keys), and for keys that should never appear at all.
"""

import json

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from rooms.models import Membership
from rooms.protocol import REACTIONS
from tests.conftest import frames_within, receive_until

pytestmark = pytest.mark.django_db(transaction=True)

FORBIDDEN_KEYS = {"user", "user_id", "username", "email", "first_name", "last_name", "real_name", "membership", "id"}


# Integers that are counts or positions, not ids: reaction counts are keyed by the reaction's name.
COUNT_KEYS = {"seq", "last_seq", "online", "protocol", "unread", *REACTIONS}


def walk(value, path="$"):
    """Yield (path, key, value) for every key of every object inside ``value``."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield path, key, item
            yield from walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, f"{path}[{index}]")


def identifiers(user, membership):
    return {user.username, user.first_name, user.last_name, user.email, user.get_full_name()}


def assert_reveals_nothing(documents, secrets, forbidden_numbers):
    for name, document in documents:
        text = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)
        for secret in secrets:
            assert secret.lower() not in text.lower(), f"{name} contains {secret!r}"
        if isinstance(document, str):
            continue
        for path, key, value in walk(document):
            assert key not in FORBIDDEN_KEYS, f"{name} has an identifying key {key!r} at {path}"
            if type(value) is int and key not in COUNT_KEYS:
                assert value not in forbidden_numbers, f"{name} carries an id-like number at {path}.{key}"


async def collect_observer_view(observer, room, connect, author_actions):
    """Run ``author_actions`` while an observer is connected; return everything the observer received."""
    seen = []
    watcher = await connect(observer, room.slug)
    seen.append(("room.joined (observer)", await watcher.receive_json_from()))
    await author_actions()
    seen += [(f"live {f['type']}", f) for f in await frames_within(watcher, 0.5)]
    # A later visit: join snapshot, replay, backwards history.
    later = await connect(observer, room.slug)
    seen.append(("room.joined (later)", await later.receive_json_from()))
    replay = await connect(observer, room.slug, after_seq=0)
    seen.append(("room.joined (replay)", await replay.receive_json_from()))
    await later.send_json_to({"type": "history.fetch", "before_seq": 1000, "limit": 100})
    seen.append(("history.fetch", await receive_until(later, "history")))

    def http_view():
        client = Client()
        client.force_login(observer)
        pages = []
        for url in (
            "/api/rooms/",
            f"/api/rooms/{room.slug}/messages/",
            f"/api/rooms/{room.slug}/messages/?after_seq=0",
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            pages.append((url, response.json()))
        for url in ("/", f"/rooms/{room.slug}/"):
            response = client.get(url)
            assert response.status_code == 200, url
            pages.append((url, response.content.decode()))
        return pages

    seen += await sync_to_async(http_view)()
    return seen


async def test_observer_learns_nothing_about_an_anonymous_author(make_user, make_room, connect):
    room = await sync_to_async(make_room)(slug="isolation")
    author = await sync_to_async(make_user)(
        username="zelda.quintero", first_name="Zelda", last_name="Quintero", email="zq@med.example.edu"
    )
    observer = await sync_to_async(make_user)(username="observer")
    author_socket = await connect(author, room.slug)
    alias = (await author_socket.receive_json_from())["you"]["alias"]
    membership = await sync_to_async(Membership.objects.get)(user=author, room=room)

    async def actions():
        for number in range(3):
            await author_socket.send_json_to(
                {"type": "message.send", "client_id": f"zq-{number}", "body": f"hi {number}"}
            )
            await receive_until(author_socket, "message.ack")
        await author_socket.send_json_to({"type": "message.report", "seq": 1, "reason": "test"})
        # Edits, deletions, replies, reactions and read markers must not give the author away either.
        await author_socket.send_json_to({"type": "message.edit", "seq": 1, "body": "hi 0, edited"})
        await receive_until(author_socket, "message.edit.ack")
        await author_socket.send_json_to({"type": "message.delete", "seq": 3})
        await receive_until(author_socket, "message.delete.ack")
        await author_socket.send_json_to(
            {"type": "message.send", "client_id": "zq-3", "body": "replying to myself", "reply_to": 2}
        )
        await receive_until(author_socket, "message.ack")
        await author_socket.send_json_to({"type": "reaction.set", "seq": 2, "reaction": "hug", "on": True})
        await receive_until(author_socket, "reactions")
        await author_socket.send_json_to({"type": "read", "seq": 4})

    seen = await collect_observer_view(observer, room, connect, actions)
    messages = [m for _, doc in seen if isinstance(doc, dict) for _, k, m in walk(doc) if k == "author"]
    assert messages and all(
        author_obj == {"name": alias, "anonymous": True, "role": "student"} for author_obj in messages
    )
    # Positive checks: the observer did receive the new frames and fields this walk is about.
    types = {doc.get("type") for _, doc in seen if isinstance(doc, dict)}
    assert {"message.updated", "reactions"} <= types
    keys = {k for _, doc in seen if isinstance(doc, dict) for _, k, _v in walk(doc)}
    assert {"reply_to", "edited_at", "deleted", "reactions", "my_reactions"} <= keys
    # Counts only: who reacted is never shown, and nothing marks the author's messages as "mine" to others.
    for _, doc in seen:
        if isinstance(doc, dict):
            for _path, key, value in walk(doc):
                assert key != "mine" or not value, "the observer was told a message is theirs"
                if key == "my_reactions":
                    assert value == [], "the observer was shown someone else's reactions as theirs"
    assert_reveals_nothing(
        seen, identifiers(author, membership) | {"zq-0", "zq-1", "zq-2", "zq-3"}, {author.pk, membership.pk}
    )


async def test_switching_to_named_does_not_unmask_earlier_anonymous_messages(make_user, make_room, connect):
    room = await sync_to_async(make_room)(slug="grief")
    author = await sync_to_async(make_user)(username="yusuf.k", first_name="Yusuf", last_name="Karimi")
    observer = await sync_to_async(make_user)(username="observer2")
    author_socket = await connect(author, room.slug)
    alias = (await author_socket.receive_json_from())["you"]["alias"]

    async def actions():
        await author_socket.send_json_to({"type": "message.send", "client_id": "a", "body": "anonymous words"})
        await receive_until(author_socket, "message.ack")
        await author_socket.send_json_to({"type": "identity.set", "anonymous": False})
        await receive_until(author_socket, "identity")
        await author_socket.send_json_to({"type": "message.send", "client_id": "b", "body": "named words"})
        await receive_until(author_socket, "message.ack")

    seen = await collect_observer_view(observer, room, connect, actions)
    message_objects = [v for _, doc in seen if isinstance(doc, dict) for _, k, v in walk(doc) if k == "author"]
    assert {json.dumps(a, sort_keys=True) for a in message_objects} == {
        json.dumps({"name": alias, "anonymous": True, "role": "student"}, sort_keys=True),
        json.dumps({"name": "Yusuf Karimi", "anonymous": False, "role": "student"}, sort_keys=True),
    }
    # No single message object ties the alias to the name.
    for _, doc in seen:
        if isinstance(doc, dict):
            for _, key, value in walk(doc):
                if key == "author":
                    assert not (value["name"] == alias and "Karimi" in json.dumps(value))


def test_alias_is_not_derived_from_the_user_and_differs_across_rooms(make_user, make_room):
    from rooms import services

    rooms = [make_room() for _ in range(8)]
    user = make_user()
    aliases = [services.do_join_room(user, room).alias for room in rooms]
    assert len(set(aliases)) == len(aliases), "one person's aliases must not link them across rooms"
    # Same user, same room, new membership (after deleting the old): a fresh random draw, not a function of ids.
    redraws = set()
    for _ in range(5):
        Membership.objects.filter(user=user, room=rooms[0]).delete()
        redraws.add(services.do_join_room(user, rooms[0]).alias)
    assert len(redraws) > 1
    # Stable across visits.
    assert services.do_join_room(user, rooms[1]).alias == aliases[1]
