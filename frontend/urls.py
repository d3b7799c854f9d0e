from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from . import checkin_views, views


class FaviconView(RedirectView):
    """Browsers ask for /favicon.ico whatever the page says (JSON, a download): point them at the SVG icon."""

    permanent = False  # the static URL may change (hashed names in production)

    def get_redirect_url(self, *args, **kwargs):
        return static("frontend/favicon.svg")


urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("welcome/accept/", views.accept_safety_notice, name="accept-safety-notice"),
    path("rooms/<slug:slug>/", views.room, name="room"),
    path("privacy/", views.privacy, name="privacy"),
    path("privacy/delete-account/", views.delete_account, name="delete-account"),
    path("calendar/reset/", views.reset_calendar, name="calendar-reset"),
    path("moderation/", views.moderation_dashboard, name="moderation"),
    path("facilitate/", views.facilitator_home, name="facilitate"),
    path("checkins/", checkin_views.checkin_list, name="checkins"),
    path("checkins/<int:checkin_id>/", checkin_views.checkin_page, name="checkin"),
]
