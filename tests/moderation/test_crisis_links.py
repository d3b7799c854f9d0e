"""Crisis lines are tel: and sms: links everywhere they are shown: support card, help panel, e-mail text."""

import pytest
from django.test import Client

from moderation.support import crisis_resources, resource_links, resources_as_text, worried_peer_frame


@pytest.mark.parametrize(
    ("resource", "links"),
    [
        ({"call": "988", "text": "988"}, [("Call 988", "tel:988"), ("Text 988", "sms:988")]),
        ({"text": "741741", "text_body": "HOME"}, [("Text HOME to 741741", "sms:741741?body=HOME")]),
        ({"call": "+18884090141"}, [("Call 1-888-409-0141", "tel:+18884090141")]),
        ({"call": "911; drop table"}, []),  # not plainly dialable: no link at all
        ({"call": "javascript:alert(1)"}, []),
        ({}, []),
    ],
)
def test_numbers_become_tel_and_sms_links_and_nothing_else_does(resource, links):
    assert [(link["label"], link["href"]) for link in resource_links(resource)] == links


def test_the_shipped_resources_all_have_a_link_and_the_campus_service_comes_first(settings):
    assert all(resource["links"] for resource in crisis_resources()), "every shipped line can be reached in one tap"
    settings.CRISIS_RESOURCES = [
        {"name": "Campus Counseling", "contact": "555-0100", "call": "5550100"},
        *settings.CRISIS_RESOURCES,
    ]
    first = crisis_resources()[0]
    assert first["name"] == "Campus Counseling" and first["links"][0]["href"] == "tel:5550100"
    assert worried_peer_frame()["resources"][0]["name"] == "Campus Counseling"


def test_email_text_carries_the_links():
    text = resources_as_text()
    assert "tel:988" in text and "sms:741741?body=HOME" in text and "tel:911" in text


@pytest.mark.django_db
def test_the_help_panel_on_every_page_links_the_numbers(make_user, settings):
    settings.CRISIS_RESOURCES = [
        {"name": "Campus Counseling", "contact": "Call 555-0100", "call": "5550100"},
        *settings.CRISIS_RESOURCES,
    ]
    client = Client()
    client.force_login(make_user())
    page = client.get("/").content.decode()
    help_panel = page[page.index('id="help"') : page.index("</aside>")]
    assert help_panel.index("Campus Counseling") < help_panel.index("988 Suicide")
    for href in (
        'href="tel:5550100"',
        'href="tel:988"',
        'href="sms:988"',
        'href="sms:741741?body=HOME"',
        'href="tel:911"',
    ):
        assert href in help_panel
