"""A logging filter that masks identity and mobile numbers in every record it sees.

Wired on the console handler in settings.LOGGING, so a careless `logger.info("%s", customer.phone)`
anywhere in LoanHub (or a library's exception text) never writes the raw number. Code should
still log masked values or ids; this is the safety net, not the policy.
"""

from __future__ import annotations

import logging

from customers.masking import mask_text

_formatter = logging.Formatter()


class MaskPersonalDataFilter(logging.Filter):
    """Replace the message (with its arguments merged), exception text and stack with masked text."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: let the handler report it as usual
            return True
        record.msg = mask_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = _formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True
