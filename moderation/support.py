"""The private ``support`` frame a student gets when a message of theirs shows signs of crisis.

Wording follows safe-messaging guidance: warm, direct, non-judgemental; it names that help exists and
how to reach it now; it never describes methods or implies the student did something wrong.
Resources are configured per deployment (settings.CRISIS_RESOURCES); every number in them becomes a tel: or sms:
link (``resource_links``) wherever they are shown: the support card, the help panel, the worried-peer card, e-mails.

Also the room's quiet "If a message here worries you" card (``worried_peer_frame``): sent to the other members
of a room a crisis message reached, it never says who or which message.
"""

import re
from urllib.parse import quote

from django.conf import settings

# A dialable number: digits, an optional leading +, nothing else (what a tel: or sms: URI may carry here).
_DIALABLE = re.compile(r"\+?[0-9]{2,15}")


def _readable(number: str) -> str:
    """A North American number as people write it (+18884090141: 1-888-409-0141); any other as configured."""
    if len(number) == 12 and number.startswith("+1"):
        return f"1-{number[2:5]}-{number[5:8]}-{number[8:]}"
    return number


def resource_links(resource: dict) -> list[dict]:
    """Return the tel: and sms: links of one crisis resource: [{"kind", "label", "href"}], call first.

    A number that is not plainly dialable (digits and a leading + only) gives no link: a bad setting must not
    become a link that dials something else.
    """
    links = []
    call = str(resource.get("call", "")).strip()
    if _DIALABLE.fullmatch(call):
        links.append({"kind": "call", "label": f"Call {_readable(call)}", "href": f"tel:{call}"})
    text = str(resource.get("text", "")).strip()
    if _DIALABLE.fullmatch(text):
        body = str(resource.get("text_body", "")).strip()
        href = f"sms:{text}" + (f"?body={quote(body)}" if body else "")
        label = f"Text {body} to {text}" if body else f"Text {text}"
        links.append({"kind": "text", "label": label, "href": href})
    return links


def crisis_resources() -> list[dict]:
    """Return the configured crisis resources, in order (the campus service first when configured), each with
    its ``links``."""
    return [{**resource, "links": resource_links(resource)} for resource in settings.CRISIS_RESOURCES]


def resources_as_text() -> str:
    """Return the crisis resources for a plain-text e-mail: one line each, numbers as tel: and sms: URIs (mail
    programs make those tappable)."""
    lines = []
    for resource in crisis_resources():
        links = " · ".join(f"{link['label']}: {link['href']}" for link in resource["links"])
        lines.append(f"- {resource['name']}: {resource['contact']}" + (f" ({links})" if links else ""))
    return "\n".join(lines)


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
        "resources": crisis_resources(),
    }
    if for_other:
        frame["for_other"] = True
    return frame


WORRIED_PEER_TITLE = "If a message here worries you"
WORRIED_PEER_MESSAGE = (
    "Someone in this room may be going through a hard time. You don't have to fix it, and you are not responsible "
    "for keeping anyone safe. If you want to help:"
)
WORRIED_PEER_STEPS = (
    "Reply kindly and without judgement: \"I'm sorry it's this hard. I'm glad you said something.\"",
    "Ask directly if you are worried, and listen; don't argue or promise to keep a secret.",
    "Point to help: the lines below are free, confidential and open all night.",
    'Tell a moderator: use "Report" on the message and say you are worried. Moderators already see messages '
    "like this one.",
    "Look after yourself too: step away when you need to, and reach out if it stirs things up for you.",
)


def worried_peer_frame() -> dict:
    """Return the ``worried_peer`` frame: the quiet card for the other members of a room a crisis message
    reached. It names no one and no message."""
    return {
        "type": "worried_peer",
        "title": WORRIED_PEER_TITLE,
        "message": WORRIED_PEER_MESSAGE,
        "steps": list(WORRIED_PEER_STEPS),
        "resources": crisis_resources(),
    }
