"""Rooms, memberships and messages. Data only: every write goes through rooms.services."""

from django.conf import settings
from django.db import models

from core.fanout import ROOM_GROUP_PREFIX


def room_group(room_id: int) -> str:
    """Group of everyone connected to a room: its events go through core.fanout, not the channel layer."""
    return f"{ROOM_GROUP_PREFIX}{room_id}"


class AnonymityPolicy(models.TextChoices):
    ALLOWED = "allowed", "Students choose: alias or name"
    REQUIRED = "required", "Students always post under an alias"
    OFF = "off", "Everyone posts under their name"


class Room(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    guidelines = models.TextField(blank=True)
    anonymity = models.CharField(max_length=16, choices=AnonymityPolicy.choices, default=AnonymityPolicy.ALLOWED)
    # Inactive rooms are gone for members: not listed, cannot be joined (close 4404).
    is_active = models.BooleanField(default=True)
    # A room can be closed for posting and stay readable (an archive, or outside session hours).
    posting_open = models.BooleanField(default=True)
    # Slow mode: at least this many seconds between two messages of one member (0: off).
    slow_mode_seconds = models.PositiveIntegerField(default=0)
    # Posting is open only while one of the room's sessions is running (messages stay readable).
    open_during_sessions_only = models.BooleanField(default=False)
    # Sharing-circle mode: members raise hands, a facilitator gives the turn, only the speaker may post.
    circle_active = models.BooleanField(default=False)
    circle_speaker = models.ForeignKey(
        "Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The name the speaker had the turn under (the one their hand was raised under), stored so that a later
    # switch between alias and name never relabels the turn.
    circle_speaker_shown_as = models.CharField(max_length=150, blank=True, default="")
    # An announcement pinned above the conversation by a facilitator or moderator ("" = none).
    pinned_text = models.CharField(max_length=500, blank=True)
    # A message of the room pinned above the conversation by its staff. Shown only while the message is
    # visible: hidden or held by moderation, it drops out of the pin without anyone unpinning it.
    pinned_message = models.ForeignKey("Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Facilitators who run this room: they may pin announcements, set slow mode, schedule and run sessions
    # here. Mentors may be assigned too: their office hours (in the Mentorship corner) are sessions.
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="facilitated_rooms",
        limit_choices_to={"role__in": ["facilitator", "mentor"]},
    )
    # Highest seq handed out in this room. Incremented under a row lock in the same transaction that
    # stores the message, so seqs are 1, 2, 3... with no gap and no duplicate.
    last_seq = models.BigIntegerField(default=0)
    # When the room's members last got the "If a message here worries you" card (after a crisis message reached
    # the room): stored on the room, written under the room's row lock, so the once-an-hour limit holds across
    # processes and restarts.
    worried_card_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def group_name(self) -> str:
        return room_group(self.pk)


def member_group(membership_id: int) -> str:
    """Channel-layer group of one member's sockets in one room (warnings, bans)."""
    return f"member.{membership_id}"


class Membership(models.Model):
    """A user's place in a room: created on first join, it carries their alias and standing."""

    # None once the account was deleted (rooms.personal_data.do_delete_account): the row stays, so its messages
    # keep their author and seq, but nothing links its alias to a person or to their aliases elsewhere.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="memberships"
    )
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="memberships")
    # Random, stored, unique in the room and different from the user's aliases elsewhere: nothing
    # about it can be computed from the user.
    alias = models.CharField(max_length=64)
    is_anonymous = models.BooleanField(default=True)
    muted_until = models.DateTimeField(null=True, blank=True)
    # The moderator's reason, shown to the member beside the disabled composer (the audit log keeps every one).
    mute_reason = models.TextField(blank=True, default="")
    is_banned = models.BooleanField(default=False)
    ban_reason = models.TextField(blank=True, default="")
    joined_at = models.DateTimeField(auto_now_add=True)
    # The highest seq this member has seen in the room (the browser's ``read`` frame): unread counts in the
    # directory are the visible messages by others above it. Only ever raised.
    last_read_seq = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "room"], name="membership_user_room_unique"),
            models.UniqueConstraint(fields=["room", "alias"], name="membership_alias_unique_in_room"),
        ]

    def __str__(self) -> str:
        return f"{self.alias} in {self.room_id}"


class MessageState(models.TextChoices):
    VISIBLE = "visible", "Visible"
    HELD = "held", "Held for a moderator"
    REMOVED = "removed", "Removed"


class Message(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    seq = models.BigIntegerField()
    author = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="messages")
    # How the author appeared when they sent it: switching identity changes future messages only.
    author_anonymous = models.BooleanField()
    author_name = models.CharField(max_length=150)
    author_role = models.CharField(max_length=16)
    body = models.TextField()
    client_id = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    state = models.CharField(max_length=16, choices=MessageState.choices, default=MessageState.VISIBLE)
    # When a moderator (or enough reports) last hid or approved it: reconnecting clients are told about
    # such changes to messages they already had (see history.join_snapshot).
    state_changed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # A deleted message stays as a tombstone (its seq keeps history gapless; its body is cleared), whether
    # its author deleted it or their account was deleted. An edited message keeps its seq.
    deleted_at = models.DateTimeField(null=True, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    # The message this one replies to (shown as a short quote of it, as the room shows it now).
    reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["room", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["room", "seq"], name="message_seq_unique_in_room"),
            # A resend with the same client_id is the same message (idempotent send).
            models.UniqueConstraint(fields=["author", "client_id"], name="message_client_id_unique_per_author"),
        ]
        indexes = [
            # Retention (moderation.retention) looks for old messages not yet emptied, every worker pass.
            models.Index(
                fields=["created_at"], condition=models.Q(deleted_at__isnull=True), name="message_live_by_age"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} in {self.room_id}"


class MessageRevision(models.Model):
    """A body a message no longer shows: the text before an edit, or at deletion. For moderators and the audit,
    never sent to members (rooms/edits.py writes these; moderation payloads read them)."""

    class Kind(models.TextChoices):
        EDITED = "edited", "Replaced by an edit"
        DELETED = "deleted", "Deleted by its author"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="revisions")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    body = models.TextField()
    # When this body stopped being shown (the edit or the deletion), not when it was written.
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["message", "replaced_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} revision of {self.message}"


class Reaction(models.Model):
    """One member's supportive reaction to a message. Members see counts only, never who reacted."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "member", "kind"], name="one_reaction_of_a_kind_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.message_id}"


class Report(models.Model):
    """A member's report of a message. The moderation queue acts on these."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="reports_made")
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "reporter"], name="report_once_per_member"),
        ]

    def __str__(self) -> str:
        return f"report of {self.message}"


class SessionSeries(models.Model):
    """A facilitated group session, once or weekly until an end date, at a wall-clock time in a named zone."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="session_series")
    title = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    time_zone = models.CharField(max_length=64)
    # Local wall-clock start and length: each occurrence keeps this local time across daylight-saving changes.
    first_date = models.DateField()
    local_time = models.TimeField()
    duration_minutes = models.PositiveIntegerField()
    weekly_until = models.DateField(null=True, blank=True)
    capacity = models.PositiveIntegerField()
    facilitator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    co_facilitators = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title


class SessionOccurrence(models.Model):
    series = models.ForeignKey(SessionSeries, on_delete=models.CASCADE, related_name="occurrences")
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    cancelled = models.BooleanField(default=False)

    class Meta:
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return f"{self.series} at {self.starts_at:%Y-%m-%d %H:%M}"


class Rsvp(models.Model):
    class Status(models.TextChoices):
        GOING = "going", "Going"
        WAITLISTED = "waitlisted", "On the waitlist"

    occurrence = models.ForeignKey(SessionOccurrence, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rsvps")
    status = models.CharField(max_length=16, choices=Status.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set in the same transaction that sends the reminder e-mail: one reminder per RSVP, even across restarts.
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["occurrence", "user"], name="one_rsvp_per_person")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.status} for {self.occurrence_id}"


class CalendarToken(models.Model):
    """The secret in a student's personal calendar feed URL; resetting it makes the old URL stop working."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_token")
    token = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return f"calendar feed of {self.user_id}"


class RaisedHand(models.Model):
    """A member waiting for the turn in a sharing circle, in the order hands went up."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="raised_hands")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    # How the member appeared when they raised it: the circle shows this, never their current identity.
    shown_as = models.CharField(max_length=150, default="")
    raised_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["raised_at", "id"]
        constraints = [models.UniqueConstraint(fields=["room", "member"], name="one_hand_per_member")]

    def __str__(self) -> str:
        return f"{self.member} waiting in {self.room_id}"
