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


def palettes() -> dict[str, dict[str, str]]:
    """The colour variables of app.css: the light palette (the first ``:root``) and the dark one (the ``:root``
    inside ``@media (prefers-color-scheme: dark)``)."""
    css = CSS.read_text()
    dark_at = css.index("@media (prefers-color-scheme: dark)")
    variable = r"--([a-z-]+):\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b"
    light_block = css[css.index(":root") : css.index("}", css.index(":root"))]
    dark_root = css.index(":root", dark_at)
    dark_block = css[dark_root : css.index("}", dark_root)]
    return {"light": dict(re.findall(variable, light_block)), "dark": dict(re.findall(variable, dark_block))}


@pytest.mark.parametrize("palette", ["light", "dark"])
def test_text_colours_meet_wcag_aa_contrast(palette):
    variables = palettes()[palette]
    assert set(variables) == set(palettes()["light"]), "the dark theme defines every colour the light one does"
    pairs = {
        "body text": (variables["fg"], variables["bg"]),
        "text on cards": (variables["fg"], variables["card"]),
        "muted text on page": (variables["muted"], variables["bg"]),
        "muted text on cards": (variables["muted"], variables["card"]),
        "links on page": (variables["link"], variables["bg"]),
        "links on cards": (variables["link"], variables["card"]),
        "links on your own messages": (variables["link"], variables["mine"]),
        "text on your own messages": (variables["fg"], variables["mine"]),
        "text in notices": (variables["fg"], variables["tint"]),
        "field text": (variables["fg"], variables["field"]),
        "buttons": ("#ffffff", variables["accent"]),
        "help button": ("#ffffff", variables["danger"]),
        "error text": (variables["danger-text"], variables["bg"]),
        "unread divider on cards": (variables["danger-text"], variables["card"]),
        "help panel": (variables["fg"], variables["help-bg"]),
        "support card": (variables["fg"], variables["support-bg"]),
    }
    for name, (text, background) in pairs.items():
        assert contrast(text, background) >= 4.5, f"{palette} {name}: {contrast(text, background):.2f} < 4.5"
    # Field borders and the focus ring are user-interface components: 3:1 (WCAG 1.4.11).
    assert contrast(variables["field-border"], variables["field"]) >= 3, f"{palette} field borders"
    assert contrast(variables["focus"], variables["bg"]) >= 3, f"{palette} focus ring"


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
