"""The private ``support`` frame a student gets when a message of theirs shows signs of crisis.

Wording follows safe-messaging guidance: warm, direct, non-judgemental; it names that help exists and
how to reach it now; it never describes methods or implies the student did something wrong.
Resources are configured per deployment (settings.CRISIS_RESOURCES).
"""

from django.conf import settings

SUPPORT_MESSAGES = {
    1: (
        "It sounds like things are really heavy right now. You don't have to carry this alone: "
        "people here care, and the lines below are free, confidential and open all night."
    ),
    2: (
        "Thank you for saying this out loud. What you're feeling matters, and you deserve support right now. "
        "Please reach out to one of these: they are free, confidential and there for exactly this."
    ),
    3: (
        "We're worried about you and want you to be safe. Please contact one of these right now, "
        "or call 911 if you are in immediate danger. A moderator on our team has been asked to check in."
    ),
}


FOR_SOMEONE_ELSE = (
    "It sounds like you're worried about someone. Reaching out was the right thing to do. If they may be in "
    "danger now, call 911. You can call or text 988 together, or on their behalf, to ask how to help; "
    "and you can report their message here so a moderator checks in."
)
# Added when what they told us about the other person was escalated to the moderators.
SHARED_WITH_MODERATORS = " We've let a moderator know too, so you're not carrying this alone."


def support_frame(level: int, *, for_other: bool = False, shared: bool = False) -> dict:
    """Return the ``support`` frame: for a crisis level from 1 to 3, or (level 0) for someone worried about another.

    ``shared`` says a moderator was alerted about the other person.
    """
    if for_other and level == 0:
        message = FOR_SOMEONE_ELSE + (SHARED_WITH_MODERATORS if shared else "")
    else:
        level = max(1, min(3, level))
        message = SUPPORT_MESSAGES[level]
    frame = {
        "type": "support",
        "level": level,
        "message": message,
        "resources": [dict(resource) for resource in settings.CRISIS_RESOURCES],
    }
    if for_other:
        frame["for_other"] = True
    return frame
