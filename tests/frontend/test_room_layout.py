"""The conversation in view: a room opens at its newest message, above the composer, on a laptop and a phone.

Geometry is checked with element bounding boxes: "fully visible" means the newest message's box lies inside
the viewport and the message list, and ends above the composer's top edge.
"""

import asyncio

import pytest
from playwright.async_api import expect

from tests.frontend.conftest import logged_in_page
from tests.frontend.test_room_page import open_room, send
from tests.integration.harness import manage

pytestmark = pytest.mark.browser

VIEWPORTS = {"laptop": (1280, 800), "phone": (360, 740)}
ROOM = "burnout"


def seed_messages(server, slug: str, author: str, count: int, *, viewers: tuple[str, ...] = ()) -> None:
    """Store ``count`` messages by ``author`` in ``slug``, one every 40 minutes up to now (so they span
    yesterday and today), and make ``viewers`` members already (a returning visit, not a first one)."""
    manage(
        server.env,
        "shell",
        "-c",
        f"""
from datetime import timedelta
from django.utils import timezone
from chatserver.models import User
from rooms.identity import shown_name
from rooms.models import Message, Room
from rooms.services import do_join_room
room = Room.objects.get(slug={slug!r})
for viewer in {viewers!r}:
    do_join_room(User.objects.get(username=viewer), room)
member = do_join_room(User.objects.get(username={author!r}), room)
now = timezone.now()
for i in range({count}):
    room.last_seq += 1
    message = Message.objects.create(
        room=room, seq=room.last_seq, author=member, author_anonymous=member.is_anonymous,
        author_name=shown_name(member), author_role=member.user.role,
        body=f"Seeded message {{i + 1}}: " + "a few words about a long week on the wards. " * (1 + i % 3),
    )
    Message.objects.filter(pk=message.pk).update(created_at=now - timedelta(minutes=({count} - i) * 40))
room.save(update_fields=["last_seq"])
""",
    )


async def eventually(check, timeout: float = 5.0):
    """Retry ``check`` (an async function that asserts) until it passes or ``timeout`` seconds pass."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            return await check()
        except AssertionError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.1)


async def assert_fully_visible(page, message):
    box = await message.bounding_box()
    assert box is not None, "the message is not rendered"
    scroller = await page.locator("#messages-scroller").bounding_box()
    composer = await page.locator("#composer").bounding_box()
    viewport = page.viewport_size
    bottom = box["y"] + box["height"]
    assert box["y"] >= max(0, scroller["y"]) - 0.5, f"its top is cut off: {box} in {scroller}"
    assert bottom <= composer["y"] + 0.5, f"it ends below the composer's top edge: {box}, composer {composer}"
    assert bottom <= scroller["y"] + scroller["height"] + 0.5, f"it ends outside the message list: {box}"
    assert bottom <= viewport["height"], f"it ends below the screen: {box}"
    assert composer["y"] + composer["height"] <= viewport["height"] + 0.5, "the composer is on screen"


def newest(page):
    return page.locator("#messages > li.message").last


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
async def test_room_opens_at_the_newest_message_and_follows_the_conversation(browser, chat_server, viewport):
    width, height = viewport
    seed_messages(chat_server, ROOM, "ben", 60, viewers=("amara",))
    amara = await logged_in_page(browser, chat_server, "amara", width=width, height=height)
    ben = await logged_in_page(browser, chat_server, "ben")
    await open_room(amara, chat_server, ROOM)
    await open_room(ben, chat_server, ROOM)

    # Opened at the newest of the 60 messages (50 loaded), fully visible above the composer; ready to write.
    await expect(amara.locator("#messages > li.message")).to_have_count(50)
    await expect(newest(amara)).to_contain_text("Seeded message 60")
    await eventually(lambda: assert_fully_visible(amara, newest(amara)))
    assert await amara.evaluate("document.activeElement.id") == "body", "focus is on the composer"
    assert await amara.evaluate("document.documentElement.scrollWidth") <= width, "nothing overflows sideways"
    # Day separators: the messages span yesterday and today (one every 40 minutes for 33 hours).
    days = await amara.locator("#messages > li.day-separator").all_inner_texts()
    assert days[-1] == "Today" and "Yesterday" in days, days
    assert await amara.eval_on_selector("#messages", "list => list.firstElementChild.className") == "day-separator"

    # At the bottom, a new message arrives: it is fully visible, with no marker.
    await send(ben, "anyone around tonight?")
    await expect(newest(amara)).to_contain_text("anyone around tonight?")
    await eventually(lambda: assert_fully_visible(amara, newest(amara)))
    assert await amara.is_hidden("#jump-latest")

    # Scrolled up to read, two arrive: nothing moves under the reader; a marker counts them.
    await amara.eval_on_selector("#messages-scroller", "s => { s.scrollTop = 0; }")
    await eventually(lambda: _assert_scroll_top(amara, 0))
    await send(ben, "first of two")
    await send(ben, "second of two")
    jump = amara.locator("#jump-latest")
    await expect(jump).to_have_text("2 new messages ↓")
    await _assert_scroll_top(amara, 0)
    divider = amara.locator("#messages > li.unread-divider")
    await expect(divider).to_have_count(1)
    after_divider = await divider.evaluate("d => d.nextElementSibling.querySelector('.body').textContent")
    assert after_divider == "first of two", "the unread divider sits above the first unread message"
    # The marker is a real button, reachable by keyboard, and takes the reader to the newest message.
    await jump.focus()
    await amara.keyboard.press("Enter")
    await eventually(lambda: assert_fully_visible(amara, newest(amara)))
    await expect(newest(amara)).to_contain_text("second of two")
    await expect(jump).to_be_hidden()

    # Older pages load above without moving what the reader is looking at.
    await amara.eval_on_selector("#messages-scroller", "s => { s.scrollTop = 0; }")
    await expect(amara.locator("#messages > li.message").first).to_contain_text("Seeded message 11:")
    message_11 = amara.locator("#messages > li.message", has_text="Seeded message 11:")
    top_before = (await message_11.bounding_box())["y"]
    load_older = amara.locator("#load-older")
    await expect(load_older).to_be_visible()
    await load_older.click()
    await expect(amara.locator("#messages > li.message")).to_have_count(63)
    # The same message stays where it was on screen, though ten messages now sit above it.
    assert abs((await message_11.bounding_box())["y"] - top_before) < 1.0
    assert await amara.eval_on_selector("#messages-scroller", "s => s.scrollTop") > 0
    await expect(load_older).to_be_hidden()  # all 60 are here now


async def _assert_scroll_top(page, expected):
    assert await page.eval_on_selector("#messages-scroller", "s => s.scrollTop") == expected
