"""Log-in and sign-up look like the rest of the site and fit a phone: fields a thumb can hit, e-mail explained."""

import pytest
from playwright.async_api import expect

pytestmark = pytest.mark.browser


async def test_sign_up_and_log_in_fit_a_phone_and_explain_the_email_field(browser, chat_server):
    context = await browser.new_context(viewport={"width": 360, "height": 740})
    page = await context.new_page()
    for path in ("/accounts/signup/", "/accounts/login/"):
        await page.goto(f"{chat_server.http}{path}")
        fields = page.locator("form.auth-form input:not([type=hidden]), form.auth-form button[type=submit]")
        assert await fields.count() >= 3
        for field in await fields.all():
            box = await field.bounding_box()
            assert box["height"] >= 44, f"{path}: {await field.get_attribute('name')} is {box['height']} px tall"
            assert box["x"] >= 0 and box["x"] + box["width"] <= 360, f"{path}: a field runs off the screen"
        assert await page.evaluate("document.documentElement.scrollWidth") <= 360
        # Labels sit above their fields, in the same card as every other page.
        await expect(page.locator("section.card.narrow form.auth-form")).to_have_count(1)

    await page.goto(f"{chat_server.http}/accounts/signup/")
    email = page.get_by_label("Email")
    hint = page.locator(f"#{await email.get_attribute('aria-describedby')}")
    await expect(hint).to_contain_text("Used only to e-mail you about sessions you sign up for")
    await expect(hint).to_contain_text("Never shown to other students")
    await context.close()
