from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from chatserver.models import Role
from moderation.cases import moderators_to_hand_over_to
from moderation.checkins import checkins_concerning
from moderation.reveals import reveals_of
from rooms import personal_data, sessions
from rooms.calendar import calendar_token
from rooms.models import Membership, Room
from rooms.protocol import ProtocolError


@login_required
def home(request):
    rooms = list(Room.objects.filter(is_active=True).order_by("title"))
    upcoming = sessions.next_sessions(rooms, timezone.now())
    for room in rooms:
        following = upcoming.get(room.pk)
        room.next_session = sessions.occurrence_payload(following) if following else None
        room.next_session_at = following.starts_at if following else None
    show_notice = request.user.safety_notice_accepted_at is None
    return render(request, "frontend/home.html", {"rooms": rooms, "show_notice": show_notice})


@login_required
@require_POST
def accept_safety_notice(request):
    if request.user.safety_notice_accepted_at is None:
        request.user.safety_notice_accepted_at = timezone.now()
        request.user.save(update_fields=["safety_notice_accepted_at"])
    return redirect("home")


@login_required
def room(request, slug):
    room = get_object_or_404(Room, slug=slug, is_active=True)
    membership = Membership.objects.filter(user=request.user, room=room).first()
    first_visit = membership is None
    is_room_staff = request.user.is_moderator or room.facilitators.filter(pk=request.user.pk).exists()
    # Names this tab's store of unsent messages: per account, so someone logging in after you in the
    # same tab never sends your words. Only this user's own page carries it.
    outbox_key = f"medpeer-outbox:{request.user.pk}:{room.slug}"
    context = {"room": room, "first_visit": first_visit, "is_room_staff": is_room_staff, "outbox_key": outbox_key}
    if membership is not None and membership.is_banned:
        # The socket refuses a banned member (4403); the page says why and where to appeal.
        context["ban"] = {"reason": membership.ban_reason, **appeal_contact()}
    return render(request, "frontend/room.html", context)


def appeal_contact() -> dict:
    """Where a banned student can appeal: settings.MODERATION_APPEAL_CONTACT as text, and as a link when it is an
    e-mail address (mailto:) or an https:// page."""
    contact = settings.MODERATION_APPEAL_CONTACT
    href = None
    if contact.startswith("https://"):
        href = contact
    elif "@" in contact and " " not in contact and ":" not in contact:
        href = f"mailto:{contact}"
    return {"appeal": contact, "appeal_href": href}


@login_required
def privacy(request, *, deletion_error: str = "", status: int = 200):
    """What others can see of you, every time your identity behind an alias was revealed (by whom and why), and
    your data rights: download your data, delete your account."""
    memberships = Membership.objects.filter(user=request.user).select_related("room").order_by("room__title")
    calendar_url = request.build_absolute_uri(f"/calendar/u/{calendar_token(request.user)}.ics")
    context = {
        "memberships": memberships,
        "reveals": reveals_of(request.user),
        "checkins": checkins_concerning(request.user),
        "calendar_url": calendar_url,
        "may_delete_account": request.user.role == Role.STUDENT,
        "deletion_confirmation": personal_data.DELETION_CONFIRMATION,
        "deletion_error": deletion_error,
    }
    return render(request, "frontend/privacy.html", context, status=status)


@login_required
@require_POST
def delete_account(request):
    """Delete the signed-in student's account after they re-entered their password and typed the confirmation."""
    try:
        personal_data.check_may_delete_account(
            request, request.POST.get("password", ""), request.POST.get("confirm", "")
        )
    except ProtocolError as error:
        return privacy(request, deletion_error=error.detail, status=error.status)
    personal_data.do_delete_account(request.user)
    logout(request)
    return render(request, "frontend/account_deleted.html")


@login_required
@require_POST
def reset_calendar(request):
    calendar_token(request.user, reset=True)
    return redirect("privacy")


@login_required
def moderation_dashboard(request):
    """The live queue of escalations and flags (moderators only)."""
    if not request.user.is_moderator:
        raise PermissionDenied("moderators only")
    return render(request, "frontend/moderation.html", {"colleagues": moderators_to_hand_over_to(request.user)})


@login_required
def facilitator_home(request):
    """A facilitator's (or mentor's) rooms with live counts, room tools and sessions (moderators: every room)."""
    if request.user.is_moderator:
        rooms = Room.objects.filter(is_active=True)
    elif request.user.may_run_rooms:
        rooms = request.user.facilitated_rooms.filter(is_active=True)
    else:
        raise PermissionDenied("facilitators only")
    rooms = list(rooms.order_by("title").prefetch_related("facilitators"))
    for room in rooms:
        # Who can be chosen as a co-facilitator of a session scheduled here.
        room.colleagues = sorted(
            (u for u in room.facilitators.all() if u.pk != request.user.pk), key=lambda u: u.display_name
        )
    return render(request, "frontend/facilitate.html", {"rooms": rooms})
