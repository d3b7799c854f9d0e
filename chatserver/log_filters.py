"""Logging filters: secrets in request paths never reach a log line."""

from __future__ import annotations

import logging
import re

# The personal calendar feed's URL is its only credential (calendar apps cannot log in).
SECRET_IN_PATH = re.compile(r"(/calendar/u/)[^\s/?#.\"']+")


class RedactSecrets(logging.Filter):
    """Replace the secret part of secret URLs in a record's message with ``<redacted>``; drop nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: let logging report it as it would
            return True
        redacted = SECRET_IN_PATH.sub(r"\1<redacted>", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
