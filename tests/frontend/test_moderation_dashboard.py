"""The moderator dashboard a team can work in all night, and what muted and banned students see, in real Chromium.

Dialogs instead of window.prompt (warn, mute, ban, slow mode, resolve, hand-over), Dismiss, the blurred crisis
message, the tab title, notifications, the polite announcements, "Mine" and hand-over; the student's composer
when muted (local time) or banned (reason and appeal); the worried-peer card and tel:/sms: links in the room.
"""

import pytest
from playwright.async_api import expect

from tests.frontend.conftest import CHROMIUM, CHROMIUM_ARGS, logged_in_page, require_chromium
from tests.frontend.test_room_page import open_room, send
from tests.integration.harness import manage

pytestmark = pytest.mark.browser

PLAN = "I have a plan and I'm going to do it this weekend"  # level 3: held, escalated
CRISIS = "I don't want to be here anymore"  # level 1: reaches the room, escalated
INSULT = "you are a pathetic idiot"  # a rule's flag
APPEAL = "appeals@med.example.edu"

# Records every desktop notification the page creates (the real ones need a desktop to show on).
RECORD_NOTIFICATIONS = """
window.__notifications = [];
window.Notification = class extends Notification {
  constructor(title, options) { super(title, options); window.__notifications.push({ title, ...options }); }
};
"""


@pytest.fixture
def dashboard_server(browser_env, start_server):
    """A real server with students, two moderators (mod_lee, mod_kim), and an appeal address for bans."""
    return start_server({**browser_env, "MODERATION_APPEAL_CONTACT": APPEAL})


async def dashboard(browser, server, username="mod_lee", *, notifications=False):
    page = await logged_in_page(browser, server, username)
    if notifications:
        await page.context.grant_permissions(["notifications"], origin=server.http)
        await page.add_init_script(RECORD_NOTIFICATIONS)
    await page.goto(f"{server.http}/moderation/")
    await page.wait_for_selector("#mod-state:text('live')")
    return page


async def dialog_submit(page, fields: dict, submit: str):
    dialog = page.locator("#action-dialog")
    await expect(dialog).to_be_visible()
    for label, value in fields.items():
        field = dialog.get_by_label(label, exact=True)
        if await field.evaluate("node => node.tagName") == "SELECT":
            await field.select_option(label=value)
        else:
            await field.fill(value)
    await dialog.get_by_role("button", name=submit).click()
    await expect(dialog).to_be_hidden()


async def test_warn_mute_ban_and_dismiss_through_dialogs_and_what_the_student_sees(browser, dashboard_server):
    server = dashboard_server
    moderator = await dashboard(browser, server)
    student = await logged_in_page(browser, server, "amara", timezone_id="America/Los_Angeles")
    await open_room(student, server, "burnout")
    alias = (await student.inner_text("#my-name")).replace(" (anonymous alias)", "")
    await send(student, INSULT)
    flag = moderator.locator("#flags li.flag").first
    await flag.wait_for()
    prompts = []  # window.prompt/alert/confirm would show here: the dashboard uses none of them
    moderator.on("dialog", lambda dialog: prompts.append(dialog.message))

    await flag.get_by_role("button", name="Warn…").click()
    # Addressed to the identity the room showed: the alias this message was posted under.
    await expect(moderator.locator("#action-title")).to_have_text(f"Warn {alias}")
    await dialog_submit(moderator, {"Warning (they will read it)": "Please keep it kind."}, "Send warning")
    await expect(student.locator("#error")).to_contain_text("Please keep it kind.")

    # A cancelled dialog does nothing.
    await flag.get_by_role("button", name="Ban…").click()
    await moderator.locator("#action-dialog").get_by_role("button", name="Cancel").click()
    await expect(moderator.locator("#action-dialog")).to_be_hidden()

    await flag.get_by_role("button", name="Mute…").click()
    await dialog_submit(moderator, {"For": "4 hours", "Reason (they will read it)": "Cool off for a bit."}, "Mute")
    note = student.locator("#composer-note")
    await expect(note).to_contain_text("Cool off for a bit.")
    # The end time in the student's own zone (Los Angeles in November: PST), never a raw UTC timestamp.
    await expect(note).to_contain_text("PST")
    assert "+00:00" not in await note.inner_text() and "UTC" not in await note.inner_text()
    await expect(student.locator("#body")).to_be_disabled()
    # A reload (another tab) says the same: the mute comes with room.joined.
    await student.reload()
    await student.wait_for_selector("#conn-state:text('connected')")
    await expect(student.locator("#composer-note")).to_contain_text("Cool off for a bit.")
    await expect(student.locator("#body")).to_be_disabled()

    await flag.get_by_role("button", name="Dismiss").click()
    await expect(moderator.locator("#flags li.flag")).to_have_count(0)

    await moderator.locator("#audit-filter button").click()
    audit = moderator.locator("#audit-rows")
    for text in ("flag.dismiss", "user.mute", "Cool off for a bit.", "user.warn", "Please keep it kind."):
        await expect(audit).to_contain_text(text)
    assert prompts == []

    # Ban, from an escalation this time: the student sees why and where to appeal, now and on every visit.
    ben = await logged_in_page(browser, server, "ben")
    await open_room(ben, server, "burnout")
    await send(ben, CRISIS)
    item = moderator.locator("#escalations li.level-1")
    await item.wait_for()
    await item.get_by_role("button", name="Ban…").click()
    await dialog_submit(moderator, {"Reason (they will read it)": "Repeated threats."}, "Ban")
    await expect(ben.locator("#composer-note")).to_contain_text("Repeated threats.")
    await expect(ben.locator("#composer-note a[href='mailto:appeals@med.example.edu']")).to_be_visible()
    await expect(ben.locator("#body")).to_be_disabled()
    await ben.reload()
    await expect(ben.locator("#banned-notice")).to_contain_text("Repeated threats.")
    await expect(ben.locator("#banned-notice a[href='mailto:appeals@med.example.edu']")).to_be_visible()
    await expect(ben.locator("#body")).to_be_disabled()


async def test_a_crisis_alerts_the_moderator_blurred_and_resolves_through_a_dialog(browser, dashboard_server):
    server = dashboard_server
    moderator = await dashboard(browser, server, notifications=True)
    await expect(moderator).to_have_title("Moderation · MedPeer")
    student = await logged_in_page(browser, server, "amara")
    await open_room(student, server, "burnout")
    await send(student, PLAN)

    item = moderator.locator("#escalations li.level-3")
    await item.wait_for()
    await expect(moderator).to_have_title("(1) Moderation · MedPeer")
    notes = await moderator.evaluate("window.__notifications")
    assert len(notes) == 1 and notes[0]["title"].startswith("Level 3 escalation")
    assert PLAN not in str(notes), "a notification may show on a locked screen: no words of the message"
    await expect(moderator.locator("#mod-announce")).to_have_text("New level 3 escalation in Burnout & exhaustion")
    # Timers tick every second, but only new items are announced.
    announced = await moderator.inner_text("#mod-announce")
    await moderator.wait_for_timeout(2200)
    assert await moderator.inner_text("#mod-announce") == announced
    assert await moderator.locator("[aria-live=assertive]").count() == 0

    # Self-harm content is blurred, out of reach of keyboard and screen readers, until the moderator chooses.
    block = item.locator(".queue-message")
    await expect(block).to_have_class("queue-message blurred")
    assert await block.evaluate("node => node.inert") is True
    show = item.get_by_role("button", name="Show message (may describe self-harm)")
    await show.focus()
    await moderator.keyboard.press("Enter")
    await expect(block).not_to_have_class("queue-message blurred")
    await expect(block).to_contain_text(PLAN)
    assert await block.evaluate("node => node.inert") is False

    # A push re-renders the queue; the keyboard stays on the same button of the same case.
    await item.get_by_role("button", name="Acknowledge").focus()
    await send(student, INSULT)
    await moderator.locator("#flags li.flag").wait_for()
    focused = await moderator.evaluate(
        "[document.activeElement.textContent, document.activeElement.closest('li').className]"
    )
    assert focused == ["Acknowledge", "queue-item level-3 open"]

    await item.get_by_role("button", name="Slow mode…").click()
    await dialog_submit(
        moderator, {"Seconds between messages": "20", "Why (for the audit log)": "Heated."}, "Set slow mode"
    )
    await expect(student.locator("#error")).to_contain_text("one message every 20 seconds")

    await item.get_by_role("button", name="Resolve…").click()
    await dialog_submit(moderator, {"What was done? (required)": "Called the student; safe with family."}, "Resolve")
    await expect(moderator.locator("#escalations li")).to_have_count(0)
    await expect(moderator).to_have_title("Moderation · MedPeer")
    await moderator.locator("#audit-filter button").click()
    await expect(moderator.locator("#audit-rows")).to_contain_text("Called the student; safe with family.")
    await expect(moderator.locator("#audit-rows")).to_contain_text("Heated.")


async def test_mine_and_hand_over_to_a_colleague(browser, dashboard_server):
    server = dashboard_server
    lee = await dashboard(browser, server, "mod_lee")
    kim = await dashboard(browser, server, "mod_kim", notifications=True)
    student = await logged_in_page(browser, server, "amara")
    await open_room(student, server, "burnout")
    await send(student, PLAN)
    item = lee.locator("#escalations li.level-3")
    await item.get_by_role("button", name="Acknowledge").click()
    await expect(lee.locator("#mine-count")).to_have_text("1")
    await expect(item.locator(".owner")).to_have_text("your case")
    await lee.get_by_role("button", name="Mine (1)").click()
    await expect(lee.locator("#escalations li")).to_have_count(1)
    await expect(kim.locator("#mine-count")).to_have_text("0")

    await item.get_by_role("button", name="Hand over…").click()
    await dialog_submit(
        lee, {"Colleague": "Hana Kim", "What they need to know (required)": "Called once, no answer."}, "Hand over"
    )
    await expect(lee.locator("#mine-count")).to_have_text("0")
    await expect(lee.locator("#escalations li")).to_have_count(0)
    await expect(lee.locator("#no-escalations")).to_have_text("No open cases of yours.")
    handed = kim.locator("#handed-over")
    await expect(handed).to_contain_text("mod_lee handed you a level 3 case")
    await expect(handed).to_contain_text("Called once, no answer.")
    await expect(kim.locator("#mine-count")).to_have_text("1")
    assert any(n["title"].startswith("A case was handed to you") for n in await kim.evaluate("window.__notifications"))


async def test_a_mute_lifts_itself_when_it_ends(browser, dashboard_server):
    server = dashboard_server
    student = await logged_in_page(browser, server, "amara")
    await open_room(student, server, "burnout")
    manage(
        server.env,
        "shell",
        "-c",
        "from datetime import timedelta; from django.utils import timezone; from rooms.models import Membership; "
        "Membership.objects.filter(user__username='amara').update("
        "muted_until=timezone.now() + timedelta(seconds=8), mute_reason='Short pause.')",
    )
    await student.reload()
    await student.wait_for_selector("#conn-state:text('connected')")
    await expect(student.locator("#composer-note")).to_contain_text("Short pause.")
    await expect(student.locator("#body")).to_be_disabled()
    await expect(student.locator("#body")).to_be_enabled(timeout=15_000)
    await expect(student.locator("#composer-note")).to_be_hidden()
    await send(student, "back again")
    await expect(student.locator("#messages li.message:not(.pending) .body")).to_have_text(["back again"])


async def test_sound_says_when_the_browser_muted_it_and_works_after_a_click(dashboard_server):
    require_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        # Chromium's default for the web: audio waits for a gesture on the page.
        strict = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--autoplay-policy=document-user-activation-required"]
        )
        try:
            page = await dashboard(strict, dashboard_server)
            sound = page.locator("#sound-state")
            await expect(sound).to_have_text(
                "Sound is muted by the browser: click anywhere on this page to turn it on"
            )
            await page.locator("h1").click()
            await expect(sound).to_have_text("Sound: on for level 3")
        finally:
            await strict.close()


async def test_the_room_gets_a_quiet_worried_card_and_crisis_lines_are_links(browser, dashboard_server):
    server = dashboard_server
    amara = await logged_in_page(browser, server, "amara")
    ben = await logged_in_page(browser, server, "ben")
    await open_room(amara, server, "burnout")
    await open_room(ben, server, "burnout")
    await send(amara, CRISIS)
    support = amara.locator("#support-card")
    await support.wait_for()
    await expect(support.locator("a[href='tel:988']")).to_be_visible()
    await expect(support.locator("a[href='sms:741741?body=HOME']")).to_be_visible()

    card = ben.locator("#worried-card")
    await expect(card).to_contain_text("If a message here worries you")
    await expect(card.locator("a[href='tel:988']")).to_be_hidden()  # quiet: the advice is folded away
    await card.get_by_text("How to respond, and how to tell a moderator").click()
    await expect(card).to_contain_text("Report")
    await expect(card.locator("a[href='tel:988']")).to_be_visible()
    assert "Amara" not in await card.inner_text() and CRISIS not in await card.inner_text()
    await expect(amara.locator("#worried-card")).to_have_count(0)
    await card.get_by_role("button", name="Close").click()
    await expect(card).to_have_count(0)

    await ben.get_by_role("link", name="Get help now").click()
    await expect(ben.locator("#help a[href='tel:988']")).to_be_visible()
    await expect(ben.locator("#help a[href='tel:911']")).to_be_visible()
