"""Reactions, replies, edits and deletions between two real Chromium windows, live and after a reload; unread
counts in the tab title and the directory; @mention autocomplete."""

import pytest
from playwright.async_api import expect

from tests.frontend.conftest import logged_in_page
from tests.frontend.test_room_page import open_room, send

pytestmark = pytest.mark.browser


def message(page, text):
    """The shown message whose words contain ``text``."""
    return page.locator("#messages li.message:not(.pending)", has=page.locator(".body", has_text=text))


async def test_reactions_replies_edits_and_deletions_reach_the_other_browser_and_survive_a_reload(
    browser, chat_server
):
    # Issue 12's two sizes in one run: Amara on a laptop, Ben on a phone.
    amara = await logged_in_page(browser, chat_server, "amara", width=1280, height=800)
    ben = await logged_in_page(browser, chat_server, "ben", width=360, height=740)
    await open_room(amara, chat_server, "burnout")
    await open_room(ben, chat_server, "burnout")
    # A first visit asks how to appear; both keep their alias (unanswered, the question and the guidelines above
    # it leave a phone about 100 px of conversation).
    for page in (amara, ben):
        await page.click("#choose-alias")
        await expect(page.locator("#identity-choice")).to_be_hidden()
    alias = (await amara.inner_text("#my-name")).replace(" (anonymous alias)", "")
    amara.on("dialog", lambda dialog: dialog.accept())

    await send(amara, "three nights of call in a row")
    await send(amara, "I said something I regret")
    await expect(ben.locator("#messages li.message")).to_have_count(2)

    # Ben reacts with a hug: Amara sees the count live; only Ben's own button is pressed.
    # Reactions nobody gave yet wait behind "React", so the conversation is not a wall of buttons.
    await expect(message(ben, "three nights").locator("button.reaction")).to_have_count(0)
    await message(ben, "three nights").get_by_role("button", name="Add a reaction").click()
    await message(ben, "three nights").locator("button.reaction[data-reaction='hug']").click()
    amara_hug = message(amara, "three nights").locator("button.reaction[data-reaction='hug']")
    await expect(amara_hug).to_have_text("🤗 1")
    await expect(amara_hug).to_have_attribute("aria-pressed", "false")
    ben_hug = message(ben, "three nights").locator("button.reaction[data-reaction='hug']")
    await expect(ben_hug).to_have_attribute("aria-pressed", "true")

    # Ben replies: the reply quotes Amara's message by her alias, and its link leads back to it.
    await message(ben, "three nights").get_by_role("button", name="Reply").click()
    await expect(ben.locator(".reply-banner")).to_contain_text(f"Replying to {alias}")
    await send(ben, "same, you are not alone")
    reply = message(amara, "you are not alone")
    await expect(reply.locator(".reply-quote")).to_have_text(f"↩ {alias}: three nights of call in a row")
    await reply.locator(".reply-quote a").click()
    await expect(message(amara, "three nights")).to_be_focused()
    # Amara's own messages have no reply-quote of Ben's name; Ben's words never carry his real name.
    assert "Ben" not in await amara.inner_text("#messages")

    # Amara edits her first message and deletes her second.
    await message(amara, "three nights").get_by_role("button", name="Edit").click()
    await amara.fill("#messages .edit-form textarea", "four nights of call in a row")
    await amara.press("#messages .edit-form textarea", "Enter")
    await message(amara, "I said something").get_by_role("button", name="Delete").click()

    async def check(page, *, is_ben):
        edited = message(page, "four nights of call in a row")
        await expect(edited.locator(".edited")).to_have_text(" · edited")
        await expect(page.locator("#messages li.message.deleted .body")).to_have_text("message deleted")
        await expect(page.locator("#messages")).not_to_contain_text("I said something I regret")
        await expect(page.locator("#messages")).not_to_contain_text("three nights")
        quote = message(page, "you are not alone").locator(".reply-quote")
        await expect(quote).to_have_text(f"↩ {alias}: four nights of call in a row")
        hug = edited.locator("button.reaction[data-reaction='hug']")
        await expect(hug).to_have_text("🤗 1")
        await expect(hug).to_have_attribute("aria-pressed", "true" if is_ben else "false")
        # Seen, not only in the page: scrolled to, the edited message shows its mark and its hug inside the
        # screen (on a phone too: nothing clipped by the message list or pushed off to the side).
        await edited.scroll_into_view_if_needed()
        for part in (edited.locator(".body"), edited.locator(".edited"), hug):
            await expect(part).to_be_in_viewport(ratio=1)
        assert await page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
        # Edit and delete are offered on one's own messages only (the tombstone has neither).
        editable = page.locator("#messages li.message", has=page.get_by_role("button", name="Edit"))
        await expect(editable.locator(".body")).to_have_text(
            ["same, you are not alone"] if is_ben else ["four nights of call in a row"]
        )
        deletable = page.locator("#messages li.message", has=page.get_by_role("button", name="Delete"))
        await expect(deletable).to_have_count(1)
        # ... and Report on everyone else's only.
        reportable = page.locator("#messages li.message", has=page.get_by_role("button", name="Report"))
        await expect(reportable.locator(".body")).to_have_text(
            ["four nights of call in a row"] if is_ben else ["same, you are not alone"]
        )

    # Live on Ben's screen, then after a reload of both.
    await check(ben, is_ben=True)
    await check(amara, is_ben=False)
    for page in (amara, ben):
        await page.reload()
        await page.wait_for_selector("#conn-state:text('connected')")
    await check(ben, is_ben=True)
    await check(amara, is_ben=False)
    # Taking the hug back is live too.
    await message(ben, "four nights").locator("button.reaction[data-reaction='hug']").click()
    await expect(message(amara, "four nights").locator("button.reaction")).to_have_count(0)


async def test_unread_counts_in_the_tab_title_and_the_directory(browser, chat_server):
    amara = await logged_in_page(browser, chat_server, "amara")
    ben = await logged_in_page(browser, chat_server, "ben")
    await open_room(ben, chat_server, "isolation")
    await open_room(amara, chat_server, "isolation")
    title = await ben.title()
    # Ben looks away from the tab: new messages count in its title.
    await ben.evaluate(
        "Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'hidden'});"
        "document.dispatchEvent(new Event('visibilitychange'))"
    )
    await send(amara, "is anyone around tonight?")
    await send(amara, "feeling a bit lost")
    await expect(ben).to_have_title(f"(2) {title}")
    # Back on the tab, at the newest message: the count clears and the server is told he read them.
    await ben.evaluate(
        "Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'visible'});"
        "document.dispatchEvent(new Event('visibilitychange'))"
    )
    await expect(ben).to_have_title(title)
    await ben.wait_for_timeout(1500)  # the read marker is sent a second after catching up
    await ben.goto(f"{chat_server.http}/")
    badge = ben.locator("#room-list a[href='/rooms/isolation/'] + .unread-badge")
    await expect(badge).to_have_count(0)
    # Messages while he is away show as a count in the directory.
    await send(amara, "ok, going to sleep")
    await ben.reload()
    await expect(badge).to_have_text("1")


async def test_mentions_autocomplete_to_names_shown_recently_in_the_room(browser, chat_server):
    amara = await logged_in_page(browser, chat_server, "amara")
    ben = await logged_in_page(browser, chat_server, "ben")
    await open_room(amara, chat_server, "exam-stress")
    alias = (await amara.inner_text("#my-name")).replace(" (anonymous alias)", "")
    await send(amara, "anyone doing the pharmacology block?")
    await open_room(ben, chat_server, "exam-stress")
    await expect(ben.locator("#messages li.message")).to_have_count(1)
    await ben.locator("#body").press_sequentially("me too @" + alias[:3])
    options = ben.locator("#mention-list [role=option]")
    await expect(options).to_have_text([alias])
    await ben.press("#body", "Enter")  # picks the name, does not send
    await expect(ben.locator("#body")).to_have_value(f"me too @{alias} ")
    await expect(ben.locator("#messages li.message")).to_have_count(1)


# Headless Chromium shows no notifications: record what the page asks for instead (and grant permission).
FAKE_NOTIFICATIONS = """
window.__notifications = [];
window.Notification = class {
  static permission = "granted";
  static requestPermission() { return Promise.resolve("granted"); }
  constructor(title, options) { window.__notifications.push({ title, body: options.body }); }
  close() {}
};
"""


async def test_opted_in_student_is_notified_of_a_reply_or_a_mention_while_the_tab_is_in_the_background(
    browser, chat_server
):
    amara = await logged_in_page(browser, chat_server, "amara")
    ben = await logged_in_page(browser, chat_server, "ben")
    await ben.add_init_script(FAKE_NOTIFICATIONS)
    await open_room(ben, chat_server, "grief-difficult-cases")
    await ben.get_by_role("button", name="Notify me of replies").click()
    await expect(ben.locator(".notify-toggle")).to_have_text("Notifications: on")
    await send(ben, "lost a patient today, can't stop thinking about it")
    await open_room(amara, chat_server, "grief-difficult-cases")
    await expect(amara.locator("#messages li.message")).to_have_count(1)
    await ben.evaluate(
        "Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'hidden'});"
        "document.dispatchEvent(new Event('visibilitychange'))"
    )
    alias = (await amara.inner_text("#my-name")).replace(" (anonymous alias)", "")
    # A message that is no reply to him counts in the title but does not notify him.
    await send(amara, "sending you strength")
    await message(amara, "lost a patient").get_by_role("button", name="Reply").click()
    await send(amara, "it stays with you, talking helps")
    ben_alias = (await ben.inner_text("#my-name")).replace(" (anonymous alias)", "")
    await send(amara, f"@{ben_alias} you're not the only one")
    await expect(ben.locator("#messages li.message")).to_have_count(4)
    notifications = await ben.evaluate("window.__notifications")
    assert notifications == [
        {"title": f"{alias} replied to you", "body": "it stays with you, talking helps"},
        {"title": f"{alias} mentioned you", "body": f"@{ben_alias} you're not the only one"},
    ]


async def test_a_student_who_follows_a_room_is_notified_of_every_new_message_there(browser, chat_server):
    amara = await logged_in_page(browser, chat_server, "amara")
    ben = await logged_in_page(browser, chat_server, "ben")
    await ben.add_init_script(FAKE_NOTIFICATIONS)
    await open_room(ben, chat_server, "residency-match")
    await ben.get_by_role("button", name="Follow this room").click()
    await expect(ben.locator(".follow-toggle")).to_have_text("Following")
    await expect(ben.locator(".follow-toggle")).to_have_attribute("aria-pressed", "true")
    await ben.evaluate(
        "Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'hidden'});"
        "document.dispatchEvent(new Event('visibilitychange'))"
    )
    await open_room(amara, chat_server, "residency-match")
    await send(amara, "anyone else refreshing their email every five minutes")
    await expect(ben.locator("#messages li.message")).to_have_count(1)
    title = await ben.title()
    notifications = await ben.evaluate("window.__notifications")
    assert notifications == [
        {
            "title": f"New message in {title.split(') ', 1)[1]}",
            "body": "anyone else refreshing their email every five minutes",
        }
    ]
    # Unfollowed: the count still shows in the title, but nothing pops up.
    await ben.get_by_role("button", name="Following").click()
    await send(amara, "ok just me then")
    await expect(ben.locator("#messages li.message")).to_have_count(2)
    assert len(await ben.evaluate("window.__notifications")) == 1


async def test_a_second_tab_of_the_author_offers_edit_and_delete_on_a_message_sent_from_the_first(
    browser, chat_server
):
    first = await logged_in_page(browser, chat_server, "amara")
    second = await first.context.new_page()
    await open_room(first, chat_server, "burnout")
    await open_room(second, chat_server, "burnout")
    await send(first, "sent from my laptop tab")
    sent = message(second, "sent from my laptop tab")
    await expect(sent.get_by_role("button", name="Edit")).to_have_count(1)
    await expect(sent.get_by_role("button", name="Delete")).to_have_count(1)


async def test_the_dashboard_shows_moderators_what_an_edit_replaced(browser, chat_server):
    amara = await logged_in_page(browser, chat_server, "amara")
    await open_room(amara, chat_server, "burnout")
    await send(amara, "oh drop dead, nights")  # a rule flags it for moderators
    await message(amara, "drop dead").get_by_role("button", name="Edit").click()
    await amara.fill("#messages .edit-form textarea", "oh, nights")
    await amara.press("#messages .edit-form textarea", "Enter")
    await expect(message(amara, "oh, nights").locator(".edited")).to_have_count(1)

    moderator = await logged_in_page(browser, chat_server, "mod_lee")
    await moderator.goto(f"{chat_server.http}/moderation/")
    flag = moderator.locator("#flags li").first
    await expect(flag.locator(".flagged")).to_contain_text("oh, nights")
    await expect(flag.locator(".revision")).to_have_text(
        ["Edited by its author.", "Before an edit: oh drop dead, nights"]
    )
