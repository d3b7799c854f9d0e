"""A student's data rights: download all their data as JSON, and delete their account (issue 11, "Data rights").

The export holds everything about the student and nothing identifying anyone else. After deletion, no row in
any table holds their name, username or e-mail, nothing links them to an alias, their messages are tombstones
in gapless histories, and their open sockets close.
"""

import io
import json
from dataclasses import dataclass
from datetime import date, time, timedelta

import pytest
from asgiref.sync import sync_to_async
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client
from django.utils import timezone

from chatserver.models import User
from moderation.member_actions import do_warn_member
from moderation.models import Escalation
from moderation.reveals import do_request_reveal
from rooms import history, personal_data, rsvps, services
from rooms.calendar import calendar_token
from rooms.models import (
    CalendarToken,
    Membership,
    Message,
    MessageState,
    RaisedHand,
    Report,
    Room,
    Rsvp,
    SessionOccurrence,
    SessionSeries,
)
from rooms.personal_data import DELETED_AUTHOR_NAME, DELETION_CONFIRMATION, do_delete_account, export_personal_data
from rooms.protocol import CLOSE_ACCESS_CHANGED, CLOSE_NOT_LOGGED_IN
from tests.conftest import receive_until, session_cookie

PASSWORD = "correct horse battery"  # the make_user fixture's
PLAN = "I have a plan and I'm going to do it this weekend"


@dataclass
class Scene:
    ana: User
    ben: User
    moderator: User
    facilitator: User
    grief: Room
    wards: Room
    ana_grief: Membership
    ana_wards: Membership
    ben_grief: Membership
    ben_message_seq: int


@pytest.fixture
def scene(make_user, make_room, db):
    """Ana posts under her alias in Grief and under her name On the wards; Ben (another student) reports one of
    her messages and she reports one of his; a moderator warns her and reveals her identity after a level 3
    escalation; both sign up for a facilitator's session."""
    ana = make_user(
        username="ana_koval_7", first_name="Anastasia", last_name="Kovalenko", email="akov@med.example.edu"
    )
    ben = make_user(username="ben_zimm_3", first_name="Benedikt", last_name="Zimmermann", email="bzim@med.example.edu")
    moderator = make_user(role="moderator", username="mod_kessler", first_name="Moira", last_name="Kessler")
    facilitator = make_user(role="facilitator", username="fac_farq", first_name="Felicity", last_name="Farquhar")
    grief, wards = make_room(slug="grief", title="Grief"), make_room(slug="wards", title="On the wards")
    ana_grief = services.do_join_room(ana, grief)
    ana_wards = services.do_set_identity(services.do_join_room(ana, wards).pk, anonymous=False)
    ben_grief = services.do_join_room(ben, grief)
    first = services.do_send_message(ana_grief.pk, "a1", "My grandmother died last week")
    ben_message = services.do_send_message(ben_grief.pk, "b1", "Hang in there, it gets lighter")
    services.do_send_message(ana_wards.pk, "a2", "Night shifts are hard on everyone")
    services.do_send_message(ana_grief.pk, "a3", PLAN)
    services.do_report_message(ben_grief.pk, first.seq, "reported by the other student")
    services.do_report_message(ana_grief.pk, ben_message.seq, "felt dismissive")
    do_warn_member(moderator, "grief", ana_grief.alias, "Please keep it kind")
    do_request_reveal(moderator, "Level 3 plan: we must reach her", Escalation.objects.get().pk, None)
    series = SessionSeries.objects.create(
        room=grief,
        title="Grief circle",
        time_zone="UTC",
        first_date=date.today() + timedelta(days=2),
        local_time=time(18, 0),
        duration_minutes=60,
        capacity=10,
        facilitator=facilitator,
    )
    starts = timezone.now() + timedelta(days=2)
    occurrence = SessionOccurrence.objects.create(series=series, starts_at=starts, ends_at=starts + timedelta(hours=1))
    rsvps.do_rsvp(ana, occurrence.pk)
    rsvps.do_rsvp(ben, occurrence.pk)
    calendar_token(ana)
    return Scene(ana, ben, moderator, facilitator, grief, wards, ana_grief, ana_wards, ben_grief, ben_message.seq)


def as_text(data) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)


def identifying(user: User) -> list[str]:
    return [user.username, user.first_name, user.last_name, user.email]


# --- Export ---------------------------------------------------------------------------------------------------


def test_the_export_holds_the_students_account_aliases_messages_rsvps_reports_and_reveals(scene):
    data = export_personal_data(scene.ana)

    assert (data["format"], data["version"]) == ("medpeer-personal-data", 1)
    assert data["account"]["email"] == "akov@med.example.edu" and data["account"]["role"] == "student"
    assert {(m["room"]["slug"], m["alias"], m["posting_as"]) for m in data["memberships"]} == {
        ("grief", scene.ana_grief.alias, "alias"),
        ("wards", scene.ana_wards.alias, "name"),
    }
    shown = {(m["room"]["slug"], m["body"]): (m["shown_as"], m["anonymous"]) for m in data["messages"]}
    assert shown == {
        ("grief", "My grandmother died last week"): (scene.ana_grief.alias, True),
        ("grief", PLAN): (scene.ana_grief.alias, True),
        ("wards", "Night shifts are hard on everyone"): ("Anastasia Kovalenko", False),
    }
    held = next(m for m in data["messages"] if m["body"] == PLAN)
    assert held["state"] == MessageState.HELD and held["seq"] == 3 and held["sent_at"]
    assert [(r["session"], r["status"]) for r in data["rsvps"]] == [("Grief circle", "going")]
    assert [(r["room"]["slug"], r["seq"], r["reason"]) for r in data["reports"]] == [
        ("grief", scene.ben_message_seq, "felt dismissive")
    ]
    [reveal] = data["reveals"]
    assert reveal["reason"] == "Level 3 plan: we must reach her" and reveal["by_role"] == "Moderator"
    assert [(a["action"], a["reason"]) for a in data["moderation_actions"]] == [("warn", "Please keep it kind")]
    json.loads(as_text(data))  # one JSON document


def test_the_export_names_nobody_else(scene):
    text = as_text(export_personal_data(scene.ana))

    for other in (scene.ben, scene.moderator, scene.facilitator):
        for value in identifying(other):
            assert value not in text, f"{value!r} of another person is in the export"
    assert scene.ben_grief.alias not in text, "another member's alias"
    assert "reported by the other student" not in text, "who reported her, or what they wrote"
    assert "Hang in there" not in text, "another member's message"
    # The calendar address is a secret: a leaked export file must not open the feed.
    assert CalendarToken.objects.get(user=scene.ana).token not in text
    # Positive control: the same check finds the student's own identity and words.
    for value in [*identifying(scene.ana), scene.ana_grief.alias, "Night shifts are hard"]:
        assert value in text


def test_the_export_endpoint_is_a_json_download_of_the_signed_in_person_only(scene):
    client = Client()
    client.force_login(scene.ben)
    response = client.get("/api/account/export/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="medpeer-my-data-')
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["account"]["username"] == "ben_zimm_3"
    assert [m["alias"] for m in data["memberships"]] == [scene.ben_grief.alias]
    assert Client().get("/api/account/export/").status_code == 401


def test_the_privacy_page_offers_the_download_and_the_deletion(scene):
    client = Client()
    client.force_login(scene.ana)
    page = client.get("/privacy/").content.decode()
    assert 'href="/api/account/export/"' in page and 'action="/privacy/delete-account/"' in page
    client.force_login(scene.moderator)
    page = client.get("/privacy/").content.decode()
    assert 'action="/privacy/delete-account/"' not in page and "closed by an operator" in page


# --- Deletion ---------------------------------------------------------------------------------------------------


def delete_through_the_page(user, password=PASSWORD, confirm=DELETION_CONFIRMATION) -> tuple[Client, object]:
    client = Client()
    client.force_login(user)
    return client, client.post("/privacy/delete-account/", {"password": password, "confirm": confirm})


@pytest.mark.parametrize(
    "password, confirm, status",
    [("wrong password", DELETION_CONFIRMATION, 403), (PASSWORD, "yes", 400), (PASSWORD, "", 400)],
    ids=["wrong-password", "wrong-confirmation", "no-confirmation"],
)
def test_deletion_needs_the_password_and_the_typed_confirmation(scene, password, confirm, status):
    _client, response = delete_through_the_page(scene.ana, password, confirm)
    assert response.status_code == status
    assert 'id="delete-error"' in response.content.decode()
    assert User.objects.filter(pk=scene.ana.pk).exists()
    assert Message.objects.filter(author=scene.ana_grief, deleted_at__isnull=True).count() == 2


def test_staff_cannot_delete_their_own_account(scene):
    _client, response = delete_through_the_page(scene.moderator)
    assert response.status_code == 403
    assert User.objects.filter(pk=scene.moderator.pk).exists()


def rows_holding(needles: list[str]) -> list[tuple[str, str]]:
    """Return (model, needle) for every row of every table whose values contain one of ``needles``."""
    hits = []
    for model in apps.get_models():
        for row in model.objects.all().values():
            text = " ".join(str(value) for value in row.values())
            hits.extend((model.__name__, needle) for needle in needles if needle in text)
    return hits


def test_after_deletion_no_row_identifies_the_person_or_links_them_to_an_alias(scene):
    # A failed log-in leaves a record with the username (django-axes): it must go too.
    Client().post("/accounts/login/", {"username": scene.ana.username, "password": "not it"})
    token = CalendarToken.objects.get(user=scene.ana).token
    needles = [*identifying(scene.ana), "Anastasia Kovalenko", token, "My grandmother died", "Night shifts", PLAN]
    assert {needle for _model, needle in rows_holding(needles)} == set(needles), "positive control"
    other_browser = Client()
    other_browser.force_login(scene.ana)

    _client, response = delete_through_the_page(scene.ana)

    assert response.status_code == 200 and "Your account was deleted" in response.content.decode()
    assert rows_holding(needles) == []
    assert not User.objects.filter(pk=scene.ana.pk).exists()
    # Her aliases stay on their memberships (her messages' author), linked to no one, and so to nothing else.
    detached = Membership.objects.filter(alias__in=[scene.ana_grief.alias, scene.ana_wards.alias])
    assert list(detached.values_list("user_id", "is_anonymous")) == [(None, True), (None, True)]
    assert not Rsvp.objects.filter(occurrence__series__room=scene.grief).exclude(user=scene.ben).exists()
    # Signed out in every browser, and no session holds her account any more.
    assert other_browser.get("/privacy/").status_code == 302
    assert not [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(scene.ana.pk)]
    # Ben's report of her message and hers of his are still moderators' records, hers linked to no one.
    assert Report.objects.get(reporter=scene.ben_grief).reason == "reported by the other student"
    assert Report.objects.get(reason="felt dismissive").reporter.user_id is None
    # Everyone else is untouched.
    assert Membership.objects.get(pk=scene.ben_grief.pk).user == scene.ben
    assert Message.objects.get(room=scene.grief, seq=scene.ben_message_seq).body == "Hang in there, it gets lighter"


def test_her_messages_become_tombstones_in_a_gapless_history_that_reconnecting_members_learn_of(scene):
    before = timezone.now()
    do_delete_account(scene.ana)

    grief = list(Message.objects.filter(room=scene.grief).order_by("seq"))
    assert [m.seq for m in grief] == [1, 2, 3], "seqs kept: no gap"
    for message in Message.objects.filter(author__in=[scene.ana_grief, scene.ana_wards]):
        assert (message.body, message.client_id) == ("", None)
        assert message.deleted_at >= before and message.state_changed_at >= before
    assert Message.objects.get(room=scene.grief, seq=1).author_name == scene.ana_grief.alias
    assert Message.objects.get(room=scene.wards, seq=1).author_name == DELETED_AUTHOR_NAME, "her name is gone"
    # Ben reconnects after seq 3: the changes he missed include the emptied message he had seen.
    changes = history.changes_before(scene.grief.pk, scene.ben_grief, up_to_seq=3)
    assert [(c["seq"], c["body"]) for c in changes if c["type"] == "message"] == [(1, "")]
    assert {"type": "message.removed", "seq": 3} in changes  # the held one stays out of his view


def test_deletion_lowers_her_hand_in_a_sharing_circle(scene):
    scene.grief.circle_active = True
    scene.grief.save()
    RaisedHand.objects.create(room=scene.grief, member=scene.ana_grief, shown_as=scene.ana_grief.alias)
    do_delete_account(scene.ana)
    assert not RaisedHand.objects.exists()


@pytest.mark.django_db(transaction=True)
async def test_her_open_sockets_close_and_cannot_reconnect(make_user, make_room, sockets, connect):
    ana = await sync_to_async(make_user)(username="ana_koval_7")
    room = await sync_to_async(make_room)(slug="grief")
    cookie = await sync_to_async(session_cookie)(ana)
    socket, _connected = await sockets(f"/ws/rooms/{room.slug}/", cookie=cookie)
    await receive_until(socket, "room.joined")

    await sync_to_async(do_delete_account)(ana)

    assert await closed_with(socket) == CLOSE_ACCESS_CHANGED
    again, _connected = await sockets(f"/ws/rooms/{room.slug}/", cookie=cookie)
    assert await closed_with(again) == CLOSE_NOT_LOGGED_IN


async def closed_with(socket, timeout: float = 3.0) -> int:
    while True:
        output = await socket.receive_output(timeout=timeout)
        if output["type"] == "websocket.close":
            return output["code"]


def test_the_http_api_deletes_too_and_signs_the_browser_out(scene):
    client = Client()
    client.force_login(scene.ben)
    refused = client.post(
        "/api/account/delete/", {"password": "nope", "confirm": DELETION_CONFIRMATION}, content_type="application/json"
    )
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    response = client.post(
        "/api/account/delete/",
        {"password": PASSWORD, "confirm": DELETION_CONFIRMATION},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json() == {"deleted": True}
    assert not User.objects.filter(pk=scene.ben.pk).exists()
    assert client.get("/api/account/export/").status_code == 401


# --- Operators ------------------------------------------------------------------------------------------------


def test_operators_export_and_delete_a_students_account_from_the_command_line(scene):
    out = io.StringIO()
    call_command("export_personal_data", "ana_koval_7", stdout=out)
    assert json.loads(out.getvalue())["account"]["email"] == "akov@med.example.edu"
    with pytest.raises(CommandError, match="--yes"):
        call_command("delete_account", "ana_koval_7", stdout=io.StringIO())
    with pytest.raises(CommandError, match="only student accounts"):
        call_command("delete_account", "mod_kessler", "--yes", stdout=io.StringIO())
    out = io.StringIO()
    call_command("delete_account", "ana_koval_7", "--yes", stdout=out)
    assert "3 message(s) emptied" in out.getvalue()
    assert not User.objects.filter(username="ana_koval_7").exists()


def test_an_upper_layer_adds_its_own_section_to_the_export(scene, monkeypatch):
    """How check-ins (moderation.checkins) join the export: rooms never imports them."""
    monkeypatch.setattr(personal_data, "_sections", dict(personal_data._sections))
    personal_data.register_export_section("checkins", lambda user: [{"student": user.username}])
    data = export_personal_data(scene.ana)
    assert list(data)[-1] == "checkins" and data["checkins"] == [{"student": "ana_koval_7"}]
    assert {"reveals", "moderation_actions"} <= set(data), "the moderation app registered its sections"


def test_deleting_a_student_in_the_admin_erases_them_as_the_privacy_page_does(scene, make_user):
    operator = make_user(role="moderator", username="operator", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(operator)
    response = client.post(
        "/admin/chatserver/user/", {"action": "delete_selected", "_selected_action": [scene.ana.pk], "post": "yes"}
    )
    assert response.status_code == 302
    assert not User.objects.filter(pk=scene.ana.pk).exists()
    assert Message.objects.get(room=scene.wards, seq=1).author_name == DELETED_AUTHOR_NAME
    assert not Message.objects.filter(author__in=[scene.ana_grief, scene.ana_wards]).exclude(body="").exists()


def test_her_edits_deletions_and_reactions_are_in_her_export_and_their_kept_words_go_with_her_account(scene):
    from rooms import edits, reactions
    from rooms.models import MessageRevision, Reaction

    edited = services.do_send_message(scene.ana_grief.pk, "e1", "I miss her a lot")
    deleted = services.do_send_message(scene.ana_grief.pk, "d1", "something I wish I had not said")
    assert edits.do_edit_message(scene.ana_grief.pk, edited.seq, "I miss her so much").status == "edited"
    edits.do_delete_message(scene.ana_grief.pk, deleted.seq)
    reactions.do_set_reaction(scene.ana_grief.pk, scene.ben_message_seq, "hug", True)
    reactions.do_set_reaction(scene.ben_grief.pk, edited.seq, "heart", True)

    data = export_personal_data(scene.ana)
    assert [(r["seq"], r["kind"], r["body"]) for r in data["message_revisions"]] == [
        (edited.seq, "edited", "I miss her a lot"),
        (deleted.seq, "deleted", "something I wish I had not said"),
    ]
    # Her own reactions; never who reacted to her messages.
    assert [(r["room"]["slug"], r["seq"], r["reaction"]) for r in data["reactions"]] == [
        ("grief", scene.ben_message_seq, "hug")
    ]

    do_delete_account(scene.ana)
    assert not MessageRevision.objects.filter(message__seq__in=[edited.seq, deleted.seq]).exists()
    # Reactions stay as counts: her detached membership names no one.
    assert Reaction.objects.count() == 2
