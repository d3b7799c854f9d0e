"""Moderation records: escalations (the crisis outbox), flags, and the append-only audit log.

An Escalation or Flag is written in the same transaction as the message it concerns, so a crisis can
never be stored without its escalation, and the worker finds it in the database even when Redis is down.
"""

from django.conf import settings
from django.db import models

from rooms.models import Membership, Message, Room


class ModerationRule(models.Model):
    """A moderation rule as moderators edit it in the admin; ``as_rule`` is what the pipeline runs.

    Every server process picks up changes within CHAT_RULES_REFRESH_SECONDS (see moderation.rule_store).
    """

    KIND_CHOICES = [
        ("term", "Term (a whole word)"),
        ("phrase", "Phrase (whole words in order)"),
        ("regex", "Regular expression"),
        ("builtin", "Built-in check (repeated text, repeated message)"),
    ]
    ACTION_CHOICES = [("flag", "Flag for review"), ("hold", "Hold for a moderator"), ("block", "Block with a reason")]

    name = models.SlugField(max_length=64, unique=True, help_text="Shown to moderators when the rule matches.")
    kind = models.CharField(max_length=16, choices=KIND_CHOICES)
    pattern = models.TextField(help_text="Matched against the normalised text (lower case, evasions undone).")
    action = models.CharField(max_length=16, choices=ACTION_CHOICES)
    rooms = models.ManyToManyField(Room, blank=True, help_text="Leave empty for every room.")
    exceptions = models.TextField(blank=True, help_text="Allow-listed terms or phrases, one per line.")
    only_anonymous = models.BooleanField(default=False, help_text="Apply only to messages posted under an alias.")
    match_original = models.BooleanField(
        default=False, help_text="Regex only: match the original text (case and punctuation kept)."
    )
    reason = models.CharField(max_length=200, blank=True, help_text="Shown to the author when held or blocked.")
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def as_rule(self, room_slugs: tuple[str, ...] = ()):
        from .rules import Rule

        return Rule(
            name=self.name,
            kind=self.kind,
            pattern=self.pattern,
            action=self.action,
            scope=tuple(sorted(room_slugs)),
            exceptions=tuple(line.strip() for line in self.exceptions.splitlines() if line.strip()),
            only_anonymous=self.only_anonymous,
            reason=self.reason,
            match_original=self.match_original,
        )


class EscalationStatus(models.TextChoices):
    """Where the outreach stands: open -> acknowledged -> contacted (staff wrote in a check-in) -> replied (the
    student answered) -> resolved. Every status but resolved is in the queue."""

    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    CONTACTED = "contacted", "Contacted"
    REPLIED = "replied", "Replied"
    RESOLVED = "resolved", "Resolved"


class Escalation(models.Model):
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="escalation")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="escalations")
    level = models.PositiveSmallIntegerField()
    # True when the person at risk is not the author: a member reported someone else's plan or thoughts.
    about_other = models.BooleanField(default=False)
    rules = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=EscalationStatus.choices, default=EscalationStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution_note = models.TextField(blank=True)
    # The moderator whose case this is: who acknowledged it, or the colleague it was handed over to.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The escalation worker's timer: when to act next if still unacknowledged, and how far it has gone
    # (0 nothing yet, 1 moderators re-alerted, 2 on-call staff notified).
    next_action_at = models.DateTimeField(null=True, blank=True, db_index=True)
    notify_stage = models.PositiveSmallIntegerField(default=0)
    # The outreach (moderation.checkins): when staff first wrote to the student in a check-in, when the student
    # first answered, and when the worker last re-alerted that an acknowledged student was not contacted yet.
    contacted_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    outreach_alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "level", "created_at"])]

    def __str__(self) -> str:
        return f"level {self.level} escalation of {self.message}"


class FlagSource(models.TextChoices):
    RULE = "rule", "A moderation rule"
    REPORT = "report", "Member reports"


class FlagStatus(models.TextChoices):
    OPEN = "open", "Open"
    REVIEWED = "reviewed", "Reviewed"


class Flag(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="flags")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="flags")
    source = models.CharField(max_length=16, choices=FlagSource.choices)
    rules = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            # One open flag per message and source: more reports add to it instead of piling up.
            models.UniqueConstraint(
                fields=["message", "source"],
                condition=models.Q(status="open"),
                name="one_open_flag_per_message_and_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} flag on {self.message}"


class AuditEntry(models.Model):
    """Who did what, when and why. Append-only: never updated or deleted by the application."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=32, db_index=True)
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_id} at {self.created_at:%Y-%m-%d %H:%M}"


class NotificationAttempt(models.Model):
    """One attempt of the escalation worker to reach someone about an unacknowledged escalation."""

    class Channel(models.TextChoices):
        MODERATORS = "moderators", "Moderators' dashboard"
        EMAIL = "email", "E-mail to on-call staff"
        WEBHOOK = "webhook", "Webhook"

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="notifications")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    ok = models.BooleanField()
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.channel} {'ok' if self.ok else 'failed'} for escalation {self.escalation_id}"


class RevealRequest(models.Model):
    """A moderator's request to learn who is behind an alias, with the reason and the approval trail."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a second moderator"
        REVEALED = "revealed", "Revealed"

    member = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="reveal_requests")
    escalation = models.ForeignKey(Escalation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    flag = models.ForeignKey(Flag, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revealed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"reveal of {self.member} ({self.status})"


class CheckInStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class CheckIn(models.Model):
    """A private conversation between one student and staff (moderators, and mentors a moderator invited).

    The student is shown to staff as ``student_shown_as``: how the room showed them where they were seen (their
    alias there, unless the message was posted under their name or a reveal happened), fixed when it opened.
    Nothing staff receive about a check-in holds both that alias and the student's name.
    """

    class Origin(models.TextChoices):
        ESCALATION = "escalation", "Opened by a moderator from an escalation"
        FLAG = "flag", "Opened by a moderator from a flag"
        REQUEST = "checkin_request", "Asked for by the student"

    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="checkins")
    origin = models.CharField(max_length=16, choices=Origin.choices)
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    escalation = models.ForeignKey(
        Escalation, null=True, blank=True, on_delete=models.SET_NULL, related_name="checkins"
    )
    flag = models.ForeignKey(Flag, null=True, blank=True, on_delete=models.SET_NULL, related_name="checkins")
    student_shown_as = models.CharField(max_length=150)
    student_anonymous = models.BooleanField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=CheckInStatus.choices, default=CheckInStatus.OPEN)
    # A crisis message was written in the check-in: it is at the top of the team's list.
    urgent = models.BooleanField(default=False)
    crisis_level = models.PositiveSmallIntegerField(default=0)
    # Highest seq handed out; incremented under a row lock with the message, as Room.last_seq.
    last_seq = models.BigIntegerField(default=0)
    # The highest seq the student has seen: staff messages after it are their unread count.
    student_read_seq = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Who is expected to write next: "student" after staff wrote, "staff" after the student wrote ("" none yet).
    awaiting = models.CharField(max_length=8, blank=True, default="")
    # Set when the student wrote with signs of crisis and no staff has written since: the worker re-alerts the
    # moderators then, and every ESCALATION_ACK_SECONDS of that level after, until staff answer.
    staff_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Set when staff write and the student has not answered since; the worker reminds staff then.
    reply_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"check-in {self.pk} ({self.status})"


class CheckInStaff(models.Model):
    """A mentor a moderator invited into a check-in (moderators see every check-in without an invitation)."""

    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="invited")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    invited_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["checkin", "user"], name="checkin_invite_once")]

    def __str__(self) -> str:
        return f"{self.user_id} invited to check-in {self.checkin_id}"


class CheckInMessage(models.Model):
    """One message of a check-in, with the author as shown at the time (the student's shown name, or staff's
    name and role)."""

    class Kind(models.TextChoices):
        TEXT = "text", "Text"
        OK = "ok", "I'm OK, thanks"

    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="messages")
    seq = models.BigIntegerField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    from_student = models.BooleanField()
    author_name = models.CharField(max_length=150)
    author_role = models.CharField(max_length=16)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.TEXT)
    body = models.TextField()
    client_id = models.CharField(max_length=64)
    crisis_level = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Emptied by retention (checkins.purge_checkin_messages): the row and its seq stay, the text goes, as with a
    # room message's tombstone.
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["checkin", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["checkin", "seq"], name="checkin_message_seq_unique"),
            models.UniqueConstraint(
                fields=["checkin", "author", "client_id"], name="checkin_message_client_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} in check-in {self.checkin_id}"


class SecondLookCursor(models.Model):
    """How far the second look (``moderation.second_look_runner``) has read: one row, advanced in the same
    transaction as the escalations it creates, so a restart re-reads nothing already judged."""

    # Every room message with a larger id is still to be read (ids only grow).
    last_message_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"second look read up to message {self.last_message_id}"


class SecondLookReading(models.Model):
    """A room message the second look's push path already read, ahead of the cursor: the sweep skips it rather
    than encode it again. Rows at or below the cursor say nothing more and are deleted as the cursor passes."""

    # A plain id, not a foreign key: the row outlives nothing (pruned behind the cursor) and must never block or
    # cascade a message's deletion.
    message_id = models.BigIntegerField(primary_key=True)
    read_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"second look read message {self.message_id}"
