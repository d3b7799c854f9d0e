"""Rules live in the database: moderators edit them in the admin and the next message obeys, no restart."""

import io
import json
import sys

import pytest
from django.core.management import call_command
from django.test import Client

from moderation.models import ModerationRule
from rooms import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(make_user):
    client = Client()
    client.force_login(make_user(role="moderator", is_staff=True, is_superuser=True))
    return client


def add_rule(client, **fields):
    data = {"name": "no-spoilers", "kind": "term", "pattern": "spoiler", "action": "block", "reason": "no spoilers"}
    data.update({"exceptions": "", "enabled": "on", **fields})
    return client.post("/admin/moderation/moderationrule/add/", data)


def send(membership, body, client_id):
    return services.do_send_message(membership.pk, client_id, body)


def test_a_rule_added_in_the_admin_applies_to_the_next_message(admin_client, make_user, make_room):
    member = services.do_join_room(make_user(), make_room(slug="match"))
    assert send(member, "big spoiler about match day", "a").status == "delivered"
    response = add_rule(admin_client)
    assert response.status_code == 302, response.content.decode()[:2000]
    blocked = send(member, "another spoiler here", "b")
    assert blocked.status == "blocked" and blocked.reason == "no spoilers"
    ModerationRule.objects.filter(name="no-spoilers").update(enabled=False)
    assert send(member, "spoiler once more", "c").status == "delivered"


def test_room_scope_limits_a_rule(admin_client, make_user, make_room):
    scoped, other = make_room(slug="scoped"), make_room(slug="other")
    assert add_rule(admin_client, rooms=[scoped.pk]).status_code == 302
    user = make_user()
    assert send(services.do_join_room(user, scoped), "spoiler", "a").status == "blocked"
    assert send(services.do_join_room(user, other), "spoiler", "a").status == "delivered"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "regex", "pattern": "(unclosed"}, "invalid regular expression"),
        ({"kind": "regex", "pattern": "(a+)+$"}, "backtrack"),
        ({"kind": "regex", "pattern": "(x|xx)*y"}, "backtrack"),
        ({"kind": "term", "pattern": "w" * 600}, "long"),
    ],
)
def test_bad_rules_are_refused_with_a_clear_message(admin_client, fields, message):
    response = add_rule(admin_client, **fields)
    assert response.status_code == 200
    errors = " ".join(str(e) for e in response.context["adminform"].form.non_field_errors()).lower()
    assert message in errors, errors
    assert not ModerationRule.objects.filter(name="no-spoilers").exists()


def test_default_rules_are_seeded_and_editable(admin_client):
    names = set(ModerationRule.objects.values_list("name", flat=True))
    assert {"phone_number", "slur", "repeated_text"} <= names
    assert admin_client.get("/admin/moderation/moderationrule/").status_code == 200


def test_moderation_check_reports_each_line_as_json(make_room, monkeypatch):
    make_room(slug="imposter", anonymity="required")
    lines = "anyone want coffee?\n" + json.dumps({"text": "call me at 415-555-0123"}) + "\nI want to die\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(lines))
    out = io.StringIO()
    call_command("moderation_check", "--room", "imposter", stdout=out)
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["action"] for r in results] == ["allow", "hold", "escalate"]
    assert results[1]["rules"] == ["phone_number"] and results[2]["crisis_level"] == 2
    assert set(results[0]) == {"text", "action", "crisis_level", "concern_for_other_level", "rules"}


def test_each_process_picks_up_edits_within_the_refresh_interval(settings, monkeypatch):
    from moderation import rule_store

    settings.CHAT_RULES_REFRESH_SECONDS = 2.0
    clock = [1000.0]
    monkeypatch.setattr(rule_store.time, "monotonic", lambda: clock[0])
    rule_store.forget()
    before = rule_store.active_rules()
    ModerationRule.objects.create(name="new-rule", kind="term", pattern="zebra", action="flag")
    clock[0] += 1.0
    assert rule_store.active_rules() is before, "within the interval the cached set is reused (no query per message)"
    clock[0] += 1.5
    after = rule_store.active_rules()
    assert after is not before and "new-rule" in {compiled.rule.name for compiled in after.rules}
