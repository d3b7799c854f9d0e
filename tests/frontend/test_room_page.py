"""Two people chatting in real Chromium windows, as they would from a phone or a laptop."""

import pytest
from playwright.async_api import expect

from tests.frontend.conftest import assign_facilitator, logged_in_page

pytestmark = pytest.mark.browser

XSS_PAYLOADS = [
    "<script>window.__pwned = 1</script>",
    # Entity-escaped markup must not come back to life either.
    "&lt;img src=x onerror=&quot;window.__pwned = 1&quot;&gt;",
    # Angle brackets and ampersands in ordinary text must survive as characters.
    "BP <90 & HR >120, lactate 4 > 2, <3",
    '<img src=x onerror="window.__pwned = 1">',
    '<a href="javascript:window.__pwned = 1">click me</a>',
    "<svg onload=window.__pwned=1></svg>",
    "\u202egnp.exe",
    "a" * 300,
]


async def open_room(page, server, slug):
    """Open the room and wait until it has joined: "connected" shows when the socket opens, the identity line only
    once room.joined has arrived (a test that read the alias in between got "…", once in CI)."""
    await page.goto(f"{server.http}/rooms/{slug}/")
    await page.wait_for_selector("#conn-state:text('connected')")
    await expect(page.locator("#my-name")).not_to_have_text("…")


async def send(page, text):
    await page.fill("#body", text)
    await page.press("#body", "Enter")


async def test_anonymous_student_is_seen_only_by_alias_and_messages_appear_once(browser, chat_server):
    amara = await logged_in_page(browser, chat_server, "amara", width=360)
    ben = await logged_in_page(browser, chat_server, "ben")
    await open_room(amara, chat_server, "burnout")
    await open_room(ben, chat_server, "burnout")
    alias = (await amara.inner_text("#my-name")).replace(" (anonymous alias)", "")

    await send(amara, "three nights of call in a row, anyone else?")
    await send(ben, "same here, hang in there")
    for page in (amara, ben):
        await expect(page.locator("#messages li.message:not(.pending)")).to_have_count(2)
    # Each message exactly once on both screens, in order, and no placeholder left behind.
    for page in (amara, ben):
        bodies = await page.locator("#messages li .body").all_inner_texts()
        assert bodies == ["three nights of call in a row, anyone else?", "same here, hang in there"]
    ben_view = await ben.inner_text("#messages")
    assert alias in ben_view
    assert "Amara" not in ben_view and "Nwosu" not in ben_view and "amara" not in ben_view
    assert "Amara" not in await ben.content()


async def test_markup_from_anyone_renders_as_inert_text(browser, chat_server):
    amara = await logged_in_page(browser, chat_server, "amara")
    ben = await logged_in_page(browser, chat_server, "ben")
    await open_room(amara, chat_server, "isolation")
    await open_room(ben, chat_server, "isolation")
    for payload in XSS_PAYLOADS:
        await send(amara, payload)
    # Every message settles: delivered (shown) or refused with a reason (e.g. nothing left after sanitising).
    await expect(amara.locator("#messages li.pending:not(.blocked)")).to_have_count(0)
    stored = await ben.evaluate(
        "fetch('/api/rooms/isolation/messages/').then(r => r.json()).then(d => d.messages.map(m => m.body))"
    )
    assert len(stored) >= 3, stored
    await expect(ben.locator("#messages li.message")).to_have_count(len(stored))
    # What is on screen is exactly the stored text, as text: no element was created from it, nothing ran.
    assert await ben.locator("#messages li .body").all_inner_texts() == stored
    assert "BP <90 & HR >120, lactate 4 > 2, <3" in stored
    assert await ben.evaluate("window.__pwned") is None
    assert await ben.locator("#messages .body *").count() == 0


async def test_mentor_posts_with_badge_under_their_name(browser, chat_server):
    mentor = await logged_in_page(browser, chat_server, "dr_chen")
    ben = await logged_in_page(browser, chat_server, "ben")
    await open_room(mentor, chat_server, "mentorship")
    await open_room(ben, chat_server, "mentorship")
    assert await mentor.is_hidden("#identity-toggle"), "mentors cannot switch to an alias"
    await send(mentor, "Office hours are open, ask me anything about residency.")
    author = ben.locator("#messages li .author").first
    await author.wait_for()
    # The name is text; the role is a separate badge element no name can imitate.
    assert await author.inner_text() == "Wei Chen"
    assert await ben.locator("#messages li .head .badge").first.inner_text() in ("mentor", "MENTOR")


async def test_facilitator_pins_an_announcement_students_see_live(browser, chat_server):
    assign_facilitator(chat_server, "exam-stress")
    student = await logged_in_page(browser, chat_server, "ben")
    await open_room(student, chat_server, "exam-stress")
    facilitator = await logged_in_page(browser, chat_server, "fac_ray")
    await facilitator.goto(f"{chat_server.http}/facilitate/")
    await facilitator.fill("#pin-exam-stress", "Study-break circle tonight at 8pm")
    await facilitator.locator("li[data-slug='exam-stress'] .pin-form button").click()
    await expect(student.locator("#pinned")).to_have_text("📌 Study-break circle tonight at 8pm")


async def test_facilitator_pins_a_message_which_students_see_by_alias(browser, chat_server):
    assign_facilitator(chat_server, "exam-stress")
    amara = await logged_in_page(browser, chat_server, "amara")
    await open_room(amara, chat_server, "exam-stress")
    alias = (await amara.inner_text("#my-name")).replace(" (anonymous alias)", "")
    await send(amara, "Sleep before the exam beats one more block of questions")
    ben = await logged_in_page(browser, chat_server, "ben")
    await open_room(ben, chat_server, "exam-stress")
    assert await ben.locator("#messages .message button", has_text="Pin").count() == 0, "students cannot pin"

    facilitator = await logged_in_page(browser, chat_server, "fac_ray")
    await open_room(facilitator, chat_server, "exam-stress")
    await facilitator.locator("#messages .message").first.get_by_role("button", name="Pin").click()
    pinned = ben.locator("#pinned-message")
    await expect(pinned).to_have_text(f"📌 {alias}: Sleep before the exam beats one more block of questions")
    assert "Amara" not in await pinned.inner_text()
    await facilitator.locator("#pinned-message").get_by_role("button", name="Unpin").click()
    await expect(pinned).to_be_hidden()
