"""Ending a user's open sockets when their sign-in or powers change.

A socket is authorised at connect; what it may do later must follow the account, not that snapshot.
Every socket joins its user's group (``user_group``). Logging out, changing the password, deactivation
and any change of role publish ``access.changed`` there after the change commits, and each socket then
closes with ``CLOSE_ACCESS_CHANGED``. Clients reconnect as after any drop, and the handshake checks the
account afresh: a logged-out or deactivated user gets 4401, a demoted moderator 4403 on /ws/moderation/.

Delivery goes through the channel layer and is at most once, so sockets that hold powers (the moderator
socket) also re-read the account on every frame; see ``moderation.consumers``.
"""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_init, post_save
from django.dispatch import receiver

from core.events import publish_on_commit

from .models import User

ACCESS_CHANGED_EVENT = "access.changed"
# The fields whose change ends every open socket of the account.
_WATCHED_FIELDS = ("role", "is_active", "password")


def user_group(user_id: int) -> str:
    """Return the channel-layer group of every open socket of one user."""
    return f"user.{user_id}"


def end_open_sockets(user_id: int, reason: str) -> None:
    """Close every open socket of the user once the current transaction commits (reason: a short word)."""
    publish_on_commit(user_group(user_id), {"type": ACCESS_CHANGED_EVENT, "reason": reason})


def _watched_state(user: User) -> tuple | None:
    if user.get_deferred_fields() & set(_WATCHED_FIELDS):
        return None  # not loaded: reading it here would cost a query per instance
    return tuple(getattr(user, name) for name in _WATCHED_FIELDS)


@receiver(user_logged_out)
def _on_logout(sender, request, user, **kwargs):
    if user is not None:
        end_open_sockets(user.pk, "logged_out")


@receiver(post_init, sender=User)
def _remember_loaded_state(sender, instance: User, **kwargs):
    instance._access_state = _watched_state(instance)


@receiver(post_save, sender=User)
def _on_account_saved(sender, instance: User, created: bool, update_fields=None, **kwargs):
    if update_fields is not None and not set(update_fields) & set(_WATCHED_FIELDS):
        return  # a last_login update, say
    before, after = instance._access_state, _watched_state(instance)
    instance._access_state = after
    if not created and (before is None or before != after):
        end_open_sockets(instance.pk, "account_changed")
