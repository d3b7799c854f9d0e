"""How a member appears in a room: the one place the shown name is derived.

Every label others see (a message's author snapshot, a raised hand, the turn in a sharing circle) is taken from
``shown_name`` at the moment it is given and stored with what it labels, never derived again: a later switch
between alias and name must not relabel what others already saw under the other identity.
"""

from __future__ import annotations

from .models import Membership


def shown_name(membership: Membership) -> str:
    """Return the name others see on this member's next message: their alias when anonymous, else their name.

    Precondition: ``membership.user`` is loaded (or loadable).
    """
    return membership.alias if membership.is_anonymous else membership.user.display_name


def identity_payload(membership: Membership) -> dict:
    return {"alias": membership.alias, "anonymous": membership.is_anonymous, "name": shown_name(membership)}
