from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    STUDENT = "student", "Student"
    MENTOR = "mentor", "Mentor"
    FACILITATOR = "facilitator", "Facilitator"
    MODERATOR = "moderator", "Moderator"


class User(AbstractUser):
    """An account. The role decides what the person may do and how they appear in rooms."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.STUDENT)
    # When the user read and accepted the safety notice (what others see, when anonymity can be lifted).
    safety_notice_accepted_at = models.DateTimeField(null=True, blank=True)

    @property
    def display_name(self) -> str:
        """Return the name shown when this user posts under their own name."""
        return self.get_full_name() or self.username

    @property
    def may_run_rooms(self) -> bool:
        """Facilitators, and mentors holding office hours, can be assigned rooms to run."""
        return self.role in (Role.FACILITATOR, Role.MENTOR)

    @property
    def is_moderator(self) -> bool:
        return self.role == Role.MODERATOR

    @property
    def may_post_anonymously(self) -> bool:
        """Only students post under an alias: mentors, facilitators and moderators are accountable by name."""
        return self.role == Role.STUDENT
