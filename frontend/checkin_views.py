"""The check-in pages: a student's list of their check-ins and one check-in's conversation (student or staff)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from moderation import checkins
from moderation.models import CheckInStaff
from rooms.protocol import ProtocolError


@login_required
def checkin_list(request):
    """Your check-ins (students); open check-ins for moderators; the ones you were invited into for mentors."""
    user = request.user
    context = {"own": checkins.checkins_of_student(user), "staff": []}
    if user.is_moderator:
        context["staff"] = checkins.open_queue()
    else:
        invited = CheckInStaff.objects.filter(user=user).values_list("checkin_id", flat=True)
        context["staff"] = [
            checkins.checkin_payload(c)
            for c in checkins.CheckIn.objects.filter(pk__in=list(invited)).select_related("room", "opened_by")
            if checkins.access_of(user, c) == checkins.STAFF
        ]
    return render(request, "frontend/checkins.html", context)


@login_required
def checkin_page(request, checkin_id: int):
    """One check-in, for its student or its staff (403 for anyone else, as on its socket)."""
    try:
        checkin = checkins.get_checkin(checkin_id)
    except ProtocolError:
        raise Http404("no such check-in") from None
    side = checkins.access_of(request.user, checkin)
    if side is None:
        raise PermissionDenied("this check-in is private")
    context = {
        "checkin": checkin,
        "side": side,
        "is_moderator": request.user.is_moderator,
        # Per account, as the room's outbox: someone logging in after you in this tab never sends your words.
        "outbox_key": f"medpeer-checkin-outbox:{request.user.pk}:{checkin.pk}",
    }
    return render(request, "frontend/checkin.html", context)
