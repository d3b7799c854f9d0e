"""E-mail to people signed up for sessions: subjects on one line, the crisis lines at the foot of every message,
and one message that cannot be sent never stops the others.

Django refuses to build a message whose subject or address holds a line break (it would let the text add
headers) by raising; before this module, one such title stopped every e-mail after it.
"""

from __future__ import annotations

import logging
import smtplib
import unicodedata

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from moderation.support import resources_as_text

logger = logging.getLogger(__name__)

# Unicode categories that break a line or control the terminal: C0/C1 controls (CR, LF, tab, NUL...) and the
# line and paragraph separators.
CONTROL_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})

# Failures that concern one message (it cannot be built, or the server refuses that recipient): skip it and
# send the rest. Anything else (the server is away) concerns every message.
UNSENDABLE = (ValueError, smtplib.SMTPRecipientsRefused)


def has_control_characters(text: str) -> bool:
    return any(unicodedata.category(char) in CONTROL_CATEGORIES for char in text)


def one_line(text: str) -> str:
    """Return ``text`` with line breaks and other control characters as single spaces, fit for a header."""
    return " ".join("".join(" " if unicodedata.category(c) in CONTROL_CATEGORIES else c for c in text).split())


def with_crisis_lines(body: str) -> str:
    """Return ``body`` with the configured crisis lines at its foot, numbers as tel: and sms: URIs.

    Every e-mail to a student carries them, as every page does: a reminder can arrive on a bad night, and the
    e-mail may be what is open on the phone then.
    """
    lines = resources_as_text()
    if not lines:
        return body
    return (
        f"{body.rstrip()}\n\n-- \nIf things feel heavy, you can reach someone now, free and confidential:\n{lines}\n"
    )


def send_each(messages: list[tuple[str, str, str]]) -> int:
    """Send each (subject, body, recipient) as its own e-mail over one connection; return how many were sent.

    A message that cannot be sent is logged (its kind of failure, never its content or address) and skipped;
    if the server itself fails, the rest are not attempted. Never raises: callers run after commit.
    """
    if not messages:
        return 0
    sent = 0
    connection = get_connection()
    try:
        connection.open()
        for subject, body, recipient in messages:
            email = EmailMessage(one_line(subject), with_crisis_lines(body), settings.DEFAULT_FROM_EMAIL, [recipient])
            try:
                sent += connection.send_messages([email]) or 0
            except UNSENDABLE as error:
                logger.warning("an attendee e-mail could not be sent (%s); sending the others", type(error).__name__)
    except Exception as error:
        logger.warning(
            "mail server failed (%s): %d attendee e-mail(s) not sent", type(error).__name__, len(messages) - sent
        )
    finally:
        try:
            connection.close()
        except Exception:
            pass
    return sent
