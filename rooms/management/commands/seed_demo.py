from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from chatserver.models import Role, User
from rooms import sessions
from rooms.models import AnonymityPolicy, Room

COMMON_GUIDELINES = (
    "Be kind: everyone here is carrying something. "
    "Share your own experience rather than advice nobody asked for. "
    "Keep other people's details private: no names of classmates, patients or staff, no phone numbers. "
    "If you are worried about someone's safety, report the message; moderators are watching. "
    "If you are in danger right now, use 'Get help now': call or text 988, or 911 in an emergency."
)

ROOMS = [
    (
        "burnout",
        "Burnout & exhaustion",
        "Running on empty after long days, call nights and endless studying.",
        AnonymityPolicy.ALLOWED,
        "",
    ),
    (
        "exam-stress",
        "Exam and board stress",
        "Step 1, Step 2, shelf exams, OSCEs: the pressure and how we get through it.",
        AnonymityPolicy.ALLOWED,
        "No sharing of exam content: it breaks NBME rules and gets people in trouble.",
    ),
    (
        "isolation",
        "Isolation & belonging",
        "Feeling alone in a crowded hospital, far from home, or out of step with your class.",
        AnonymityPolicy.ALLOWED,
        "",
    ),
    (
        "imposter-feelings",
        "Imposter feelings",
        "When everyone else seems to know more and you wonder if you belong here.",
        AnonymityPolicy.REQUIRED,
        "This room is always anonymous, so you can say the thing you'd never say out loud.",
    ),
    (
        "clinical-rotations",
        "Clinical rotations",
        "Difficult teams, long hours, feedback that stings, and the good days too.",
        AnonymityPolicy.ALLOWED,
        "Never post anything that could identify a patient.",
    ),
    (
        "residency-match",
        "Residency & the Match",
        "Applications, interviews, rank lists, Match Day, and what if it doesn't work out.",
        AnonymityPolicy.ALLOWED,
        "",
    ),
    (
        "mentorship",
        "Mentorship corner",
        "Ask residents and faculty mentors about training, careers and surviving both.",
        AnonymityPolicy.ALLOWED,
        "Mentors post under their name with a verified badge. Their advice is personal, not official.",
    ),
    (
        "grief-difficult-cases",
        "Grief & difficult cases",
        "Losing a patient, a hard case that stays with you, personal loss during training.",
        AnonymityPolicy.ALLOWED,
        "Go gently. Content here can be heavy; step away whenever you need to.",
    ),
    (
        "wellness",
        "Wellness & self-care",
        "Sleep, food, movement, boundaries, and small things that help.",
        AnonymityPolicy.OFF,
        "This room is named-only: a place to share what works, openly.",
    ),
]

# Demo accounts exist only with DEBUG on. They share one password, printed by `make run`.
DEMO_PASSWORD = "peer-support-demo"
DEMO_USERS = [
    ("maya", "Maya", "Okafor", Role.STUDENT),
    ("jordan", "Jordan", "Lee", Role.STUDENT),
    ("sam", "Sam", "Patel", Role.STUDENT),
    ("dr_reyes", "Ana", "Reyes", Role.MENTOR),
    ("facilitator_kim", "Dana", "Kim", Role.FACILITATOR),
    ("mod_taylor", "Chris", "Taylor", Role.MODERATOR),
]


class Command(BaseCommand):
    help = "Create the topic rooms (and demo accounts when DEBUG is on). Safe to run again."

    @transaction.atomic
    def handle(self, *args, **options):
        for slug, title, description, anonymity, extra_guidelines in ROOMS:
            guidelines = f"{COMMON_GUIDELINES} {extra_guidelines}".strip()
            Room.objects.update_or_create(
                slug=slug,
                defaults={
                    "title": title,
                    "description": description,
                    "guidelines": guidelines,
                    "anonymity": anonymity,
                },
            )
        self.stdout.write(f"rooms: {len(ROOMS)} ready")
        if not settings.DEBUG:
            self.stdout.write("DEBUG is off: no demo accounts created")
            return
        for username, first, last, role in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last, "role": role}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
        facilitator = User.objects.get(username="facilitator_kim")
        for slug in ("burnout", "exam-stress", "grief-difficult-cases"):
            Room.objects.get(slug=slug).facilitators.add(facilitator)
        mentor = User.objects.get(username="dr_reyes")
        Room.objects.get(slug="mentorship").facilitators.add(mentor)
        self._demo_sessions(facilitator, mentor)
        self.stdout.write(f"demo logins (password for all: {DEMO_PASSWORD}):")
        for username, first, last, role in DEMO_USERS:
            self.stdout.write(f"  {username:<16} {role:<12} {first} {last}")

    def _demo_sessions(self, facilitator: User, mentor: User) -> None:
        """A weekly circle and a mentor's office hours, so the directory and calendars have something to show."""
        zone = "America/New_York"
        next_week = timezone.now().date() + timedelta(days=7)
        for slug, title, host, hour in (
            ("burnout", "Running on empty: weekly circle", facilitator, 19),
            ("mentorship", "Office hours with Dr. Reyes", mentor, 18),
        ):
            room = Room.objects.get(slug=slug)
            if room.session_series.exists():
                continue
            request = sessions.SeriesRequest(
                room=room,
                title=title,
                time_zone=zone,
                local_start=datetime.combine(next_week, time(hour)),
                duration_minutes=60,
                capacity=12,
                facilitator=host,
                weekly_until=next_week + timedelta(weeks=8),
            )
            sessions.do_create_series(request, timezone.now())
