"""What a person's name may be: it must not pass for a role badge, an anonymous alias or hide text direction.

Names are shown in rooms beside messages and in the circle (a user without a first or last name is shown by
username), so every place that sets one checks it here: sign-up, the admin's forms and ``createuser``. Roles
are shown as a separate badge the server derives from the account's role, never as part of the name.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError

from moderation.normalize import normalize
from rooms.aliases import is_alias_shaped

# Role words that must not stand where a badge would ("Wei Chen · mentor", "Wei Chen (moderator)").
ROLE_WORDS = frozenset({"mentor", "moderator", "facilitator", "staff", "admin", "administrator"})

# Control (Cc), format (Cf: bidi overrides and isolates, zero-width characters, soft hyphens), surrogate,
# private-use and unassigned code points, and line and paragraph separators.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})

INVISIBLE_MESSAGE = (
    "Names cannot contain invisible or control characters (such as right-to-left overrides, zero-width spaces "
    "or line breaks): they can make a name display as something else."
)
ROLE_MESSAGE = (
    "Names cannot end in a role such as mentor, moderator, facilitator or staff: roles are shown as a separate "
    "badge, granted by the operators."
)
ALIAS_MESSAGE = (
    'This looks like an anonymous alias (an adjective and an animal, as in "Quiet Heron"), and others would '
    "take it for one. Add an initial or write your name another way."
)


def _words(name: str) -> list[list[str]]:
    """Two readings of a name's words, lower case, punctuation left out: plainly folded, and as the moderation
    normaliser reads it (look-alike letters, spaced-out letters and leetspeak undone)."""
    plain = re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", name).casefold())
    folded = [word for word in normalize(name).split(" ") if word[:1].isalnum()]
    return [plain, folded]


def name_problems(name: str) -> list[str]:
    """Return what is wrong with a name others will see (one message per kind of problem); empty if nothing."""
    if not name:
        return []
    problems = []
    if any(unicodedata.category(character) in _INVISIBLE_CATEGORIES for character in name):
        problems.append(INVISIBLE_MESSAGE)
    readings = _words(name)
    if any(words and words[-1] in ROLE_WORDS for words in readings):  # in badge position, or the whole name
        problems.append(ROLE_MESSAGE)
    if any(words and is_alias_shaped(words) for words in readings):
        problems.append(ALIAS_MESSAGE)
    return problems


def validate_name(name: str) -> None:
    """Raise ValidationError with every problem of a name others will see."""
    problems = name_problems(name)
    if problems:
        raise ValidationError(problems)
