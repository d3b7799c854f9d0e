"""Keyboard-only use, announcements for screen readers, small screens, and colour contrast (WCAG AA)."""

import re
from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.frontend.conftest import logged_in_page

CSS = Path(__file__).resolve().parents[2] / "frontend" / "static" / "frontend" / "app.css"


def luminance(hex_colour: str) -> float:
    if len(hex_colour) == 4:  # #fff -> #ffffff
        hex_colour = "#" + "".join(c * 2 for c in hex_colour[1:])
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_text_colours_meet_wcag_aa_contrast():
    variables = dict(re.findall(r"--([a-z]+):\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b", CSS.read_text()))
    pairs = {
        "body text": (variables["fg"], variables["bg"]),
        "muted text on page": (variables["muted"], variables["bg"]),
        "muted text on cards": (variables["muted"], variables["card"]),
        "buttons": ("#ffffff", variables["accent"]),
        "help button": ("#ffffff", variables["danger"]),
        "error text": (variables["danger"], variables["bg"]),
    }
    for name, (text, background) in pairs.items():
        assert contrast(text, background) >= 4.5, f"{name}: {contrast(text, background):.2f} < 4.5"


@pytest.mark.browser
async def test_keyboard_only_first_visit_choice_and_send(browser, chat_server):
    page = await logged_in_page(browser, chat_server, "amara", width=360)
    await page.goto(f"{chat_server.http}/rooms/wellness/")  # named-only room: no choice offered
    await page.wait_for_selector("#conn-state:text('connected')")
    assert await page.is_hidden("#identity-choice")

    await page.goto(f"{chat_server.http}/rooms/burnout/")
    choice = page.locator("#identity-choice")
    await expect(choice).to_be_visible()
    assert await page.evaluate("document.activeElement.id") == "choose-alias", "the choice takes the focus"
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")  # "Post under my name", by keyboard alone
    await expect(choice).to_be_hidden()
    await expect(page.locator("#my-name")).to_have_text("Amara Nwosu (your name)")
    assert await page.evaluate("document.activeElement.id") == "body", "focus moves to the composer"
    await page.keyboard.type("typed without a mouse")
    await page.keyboard.press("Enter")
    await expect(page.locator("#messages li.message:not(.pending) .body")).to_have_text(["typed without a mouse"])
    # New messages are announced to screen readers; nothing overflows a 360 px screen.
    assert await page.get_attribute("#messages", "aria-live") == "polite"
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
