"""The conversation in view: a room opens at its newest message, above the composer, on a laptop and a phone.

Geometry is checked with element bounding boxes: "fully visible" means the newest message's box lies inside
the viewport and the message list, and ends above the composer's top edge.
"""

import asyncio
import re
from datetime import date, timedelta

import pytest
from playwright.async_api import expect

from tests.frontend.conftest import assign_facilitator, logged_in_page
from tests.frontend.test_room_page import open_room, send
from tests.integration.harness import manage

pytestmark = pytest.mark.browser

VIEWPORTS = {"laptop": (1280, 800), "phone": (360, 740)}
ROOM = "burnout"


def seed_messages(server, slug: str, author: str, count: int, *, viewers: tuple[str, ...] = ()) -> None:
    """Store ``count`` messages by ``author`` in ``slug``, one every 40 minutes, the newest now (so they span
    yesterday and today at any time of day), and make ``viewers`` members already (a returning visit, not a
    first one)."""
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
    Message.objects.filter(pk=message.pk).update(created_at=now - timedelta(minutes=({count} - 1 - i) * 40))
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
    await amara.evaluate("window.todaySeparator = [...document.querySelectorAll('#messages > .day-separator')].pop()")
    await send(ben, "anyone around tonight?")
    await expect(newest(amara)).to_contain_text("anyone around tonight?")
    # The separators stay as they were (the list is a live region: a rebuilt "Today" would be read out again).
    assert await amara.evaluate("window.todaySeparator.isConnected")
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


async def test_own_messages_are_marked_yours_and_only_others_can_be_reported(browser, chat_server):
    amara = await logged_in_page(browser, chat_server, "amara")
    ben = await logged_in_page(browser, chat_server, "ben", width=360, height=740)
    await open_room(amara, chat_server, "isolation")
    await open_room(ben, chat_server, "isolation")
    alias = (await amara.inner_text("#my-name")).replace(" (anonymous alias)", "")
    await send(amara, "mine, written at 2am")
    await send(ben, "not mine")

    for page in (amara, ben):
        await expect(page.locator("#messages li.message:not(.pending)")).to_have_count(2)
    for attempt in range(2):  # live, then after a reload (from history)
        mine = amara.locator("#messages li.message", has_text="mine, written at 2am")
        await expect(mine).to_have_class(re.compile(r"\bmine\b"))
        await expect(mine.locator(".you-label")).to_have_text("you")
        await expect(mine.get_by_role("button", name=re.compile("Report"))).to_have_count(0)
        theirs = amara.locator("#messages li.message", has_text="not mine")
        await expect(theirs).not_to_have_class(re.compile(r"\bmine\b"))
        await expect(theirs.get_by_role("button", name=re.compile(r"^Report message from .+ at \d"))).to_have_count(1)
        if attempt == 0:
            await amara.reload()
            await amara.wait_for_selector("#conn-state:text('connected')")

    # Nobody else can tell whose it is: Ben sees a Report button and no "you" on Amara's message.
    hers = ben.locator("#messages li.message", has_text="mine, written at 2am")
    await expect(hers).not_to_have_class(re.compile(r"\bmine\b"))
    await expect(hers.locator(".you-label")).to_have_count(0)
    when = await hers.locator("time").inner_text()
    report = hers.get_by_role("button", name=f"Report message from {alias} at {when}", exact=True)
    await expect(report).to_have_count(1)

    # Skip links: the first thing the keyboard reaches, and each lands where it says.
    await ben.goto(f"{chat_server.http}/rooms/isolation/")
    await ben.wait_for_selector("#conn-state:text('connected')")
    assert await ben.evaluate("document.activeElement.id") == "body", "the room opens with focus in the message box"
    first_focusable = "document.querySelector('a[href], button, input, select, textarea, [tabindex]').textContent"
    assert await ben.evaluate(first_focusable) == "Skip to messages"
    skip = ben.get_by_role("link", name="Skip to messages")
    await expect(skip).not_to_be_in_viewport()  # off screen until the keyboard reaches it
    await skip.focus()
    await expect(skip).to_be_in_viewport()
    await ben.keyboard.press("Enter")
    assert await ben.evaluate("document.activeElement.id") == "messages-scroller"
    await ben.get_by_role("link", name="Skip to the message box").focus()
    await ben.keyboard.press("Enter")
    assert await ben.evaluate("document.activeElement.id") == "body"


async def test_sessions_fold_to_one_line_and_update_without_a_reload(browser, chat_server):
    assign_facilitator(chat_server, "exam-stress")
    student = await logged_in_page(browser, chat_server, "ben", width=360, height=740)
    await open_room(student, chat_server, "exam-stress")
    # The guidelines are open on a first visit only.
    assert await student.get_attribute("#guidelines", "open") is not None
    await expect(student.locator("#sessions")).to_be_hidden()

    day = date.today() + timedelta(days=3)
    facilitator = await logged_in_page(browser, chat_server, "fac_ray")
    await facilitator.goto(f"{chat_server.http}/facilitate/")
    await facilitator.select_option("#s-room", "exam-stress")
    await facilitator.fill("#s-title", "Pre-boards circle")
    await facilitator.fill("#s-start", f"{day}T19:00")
    await facilitator.fill("#s-end", f"{day}T20:00")
    await facilitator.fill("#s-zone", "UTC")
    await facilitator.check("#s-weekly")
    await facilitator.fill("#s-until", str(day + timedelta(days=14)))
    await facilitator.click("#schedule-form button[type=submit]")
    await expect(facilitator.locator("#schedule-result")).to_have_text("Scheduled 3 sessions.")

    # The student's page shows them at once, folded to one line that leaves the conversation in view.
    summary = student.locator("#sessions-summary")
    await expect(summary).to_have_text(re.compile(r"^Next session: .+ · 2 more$"))
    assert await student.get_attribute("#sessions", "open") is None
    await summary.click()
    sign_up = student.get_by_role("button", name=re.compile(r"^Sign up for Pre-boards circle, "))
    await expect(sign_up).to_have_count(3)
    await sign_up.first.click()
    await expect(
        student.get_by_role("button", name=re.compile(r"^Cancel your place at Pre-boards circle"))
    ).to_have_count(1)

    await student.reload()
    await student.wait_for_selector("#conn-state:text('connected')")
    assert await student.get_attribute("#guidelines", "open") is None, "folded after the first visit"
    assert await student.get_attribute("#sessions", "open") is None


async def test_first_visit_on_a_phone_asks_how_to_appear_then_shows_the_newest_message(browser, chat_server):
    seed_messages(chat_server, ROOM, "ben", 60)
    amara = await logged_in_page(browser, chat_server, "amara", width=360, height=740)
    await open_room(amara, chat_server, ROOM)
    # The guidelines and the choice come first on a first visit; the choice is on screen and has the focus.
    assert await amara.get_attribute("#guidelines", "open") is not None
    choose = amara.locator("#choose-alias")
    await expect(choose).to_be_focused()
    await expect(choose).to_be_in_viewport()
    await amara.keyboard.press("Enter")
    await expect(amara.locator("#identity-choice")).to_be_hidden()
    await eventually(lambda: assert_fully_visible(amara, newest(amara)))
    await expect(newest(amara)).to_contain_text("Seeded message 60")
    assert await amara.evaluate("document.activeElement.id") == "body"


async def test_writing_without_choosing_answers_the_first_visit_question(browser, chat_server):
    """Posting keeps the identity the composer shows (the alias): the question goes, and the conversation gets
    its room back on a phone (with the question left open, about 96 px of it showed)."""
    seed_messages(chat_server, ROOM, "ben", 20)
    amara = await logged_in_page(browser, chat_server, "amara", width=360, height=740)
    await open_room(amara, chat_server, ROOM)
    await expect(amara.locator("#identity-choice")).to_be_visible()
    await send(amara, "first time here, hi all")
    await expect(amara.locator("#identity-choice")).to_be_hidden()
    await expect(newest(amara)).to_contain_text("first time here, hi all")
    await eventually(lambda: assert_fully_visible(amara, newest(amara)))


async def test_on_a_phone_the_support_card_opens_at_its_words_and_numbers_not_at_its_close_button(
    browser, chat_server
):
    seed_messages(chat_server, ROOM, "ben", 20)
    amara = await logged_in_page(browser, chat_server, "amara", width=360, height=740)
    await open_room(amara, chat_server, ROOM)
    if await amara.is_visible("#identity-choice"):
        await amara.click("#choose-alias")
    await send(amara, "honestly some nights i don't want to be here anymore")
    card = amara.locator("#support-card")
    await expect(card).to_be_visible()
    await expect(amara.locator("#support-title")).to_be_in_viewport()
    await expect(card.locator("li").first).to_be_in_viewport()
    await expect(amara.locator("#support-title")).to_be_focused()
