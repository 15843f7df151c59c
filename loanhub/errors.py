"""The domain errors of LoanHub, and the one place that turns any API error into HTTP.

Services raise these on purpose; every app's own errors subclass them, so callers may catch an
app's error (`ApplicationStateError`) or the kind (`Conflict`):

| error       | HTTP | when                                                        |
|-------------|------|-------------------------------------------------------------|
| `Invalid`   | 400  | bad input; `errors` is field-keyed: {"amount": ["…"]}       |
| `Forbidden` | 403  | the caller's permission (or maker-checker) does not allow it |
| `NotFound`  | 404  | no such object, or one the caller may not see                |
| `Conflict`  | 409  | not allowed in the object's current `state`                  |

The database's own connection errors (`OperationalError`, `InterfaceError`: the connection was
dropped, the server restarts or refuses) are not bugs of the request: they answer 503 with
`Retry-After` and code `unavailable`. The request's transaction was rolled back with the
connection; a retry with the same Idempotency-Key runs it once.

`api_exception_handler` (settings: REST_FRAMEWORK["EXCEPTION_HANDLER"]) answers every API error,
the domain's and the REST framework's own (serializer validation, authentication, throttling,
parse errors), with one body shape, in the request's language:

    {"detail": "<one sentence>", "code": "invalid", "errors": {"<field>": ["<message>", …]},
     "state": "<current state, 409 only, else null>"}
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

FieldErrors = dict[str, list[str]]
logger = logging.getLogger(__name__)

# Seconds a client is asked to wait before retrying after the database dropped its request.
RETRY_AFTER_SECONDS = 5
UNAVAILABLE_DETAIL = _(
    "The service is briefly unavailable and the request was not completed. Try again in a few "
    "seconds; with the same Idempotency-Key it is carried out at most once."
)


def _text(value) -> str:
    return str(value)


def _field_errors(errors: Mapping) -> FieldErrors:
    """{field: message | [message, …] | nested} as {field: [str, …]} (nested rows flattened)."""
    clean: FieldErrors = {}
    for name, messages in errors.items():
        if isinstance(messages, Mapping):
            clean[str(name)] = [_text(m) for ms in _field_errors(messages).values() for m in ms]
        elif isinstance(messages, list | tuple):
            flat: list[str] = []
            for message in messages:
                if isinstance(message, Mapping):
                    flat.extend(f"{k}: {m}" for k, ms in _field_errors(message).items() for m in ms)
                else:
                    flat.append(_text(message))
            clean[str(name)] = flat
        else:
            clean[str(name)] = [_text(messages)]
    return clean


class DomainError(Exception):
    """Base of every error a LoanHub service raises on purpose.

    Built from a sentence (`Conflict("cannot approve: …", state="declined")`) or from field
    errors (`Invalid({"amount": ["must be at least 1000.00"]})`); messages may be lazy
    translations, rendered in the language active when the error is answered.
    """

    status_code = 400
    code = "error"
    default_detail = _("The request could not be completed.")

    def __init__(self, message_or_errors: str | Mapping | None = None, *, state: str | None = None):
        if isinstance(message_or_errors, Mapping):
            self.errors: FieldErrors = {
                k: list(v) if isinstance(v, list | tuple) else [v] for k, v in message_or_errors.items()
            }
            self.message = None
        else:
            self.errors = {}
            self.message = message_or_errors
        self.state = state
        super().__init__(self.detail)

    @property
    def detail(self) -> str:
        if self.message is not None:
            return _text(self.message)
        if self.errors:
            return "; ".join(f"{k}: {' '.join(_text(m) for m in v)}" for k, v in self.errors.items())
        return _text(self.default_detail)

    def __str__(self) -> str:
        return self.detail

    def body(self) -> dict:
        return error_body(self.code, self.detail, errors=_field_errors(self.errors), state=self.state)


class Invalid(DomainError):
    """Bad input (400); `errors` names each field."""

    status_code = 400
    code = "invalid"
    default_detail = _("Some fields are not valid.")


class Forbidden(DomainError):
    """The caller may not do this (403)."""

    status_code = 403
    code = "forbidden"
    default_detail = _("You do not have permission to perform this action.")


class NotFound(DomainError):
    """No such object, or one the caller may not see (404): the two are never told apart."""

    status_code = 404
    code = "not_found"
    default_detail = _("Not found.")


class Conflict(DomainError):
    """Not allowed in the current state (409); `state` is that state."""

    status_code = 409
    code = "conflict"
    default_detail = _("The action is not allowed in the current state.")


class KeyReused(DomainError):
    """An Idempotency-Key sent again with another request (422, as the IETF idempotency-key draft
    asks): every endpoint that takes the header answers this one way."""

    status_code = 422
    code = "idempotency_key_reused"
    default_detail = _("This Idempotency-Key was already used for a different request; use a new key.")


def error_body(
    code: str, detail: str, *, errors: FieldErrors | None = None, state: str | None = None
) -> dict:
    """The one error body of the API."""
    return {"detail": detail, "code": code, "errors": errors or {}, "state": state}


# Codes of the REST framework's own exceptions, in the domain's words where they mean the same.
_DRF_CODES = {
    drf.ValidationError: "invalid",
    drf.ParseError: "invalid",
    drf.NotAuthenticated: "not_authenticated",
    drf.AuthenticationFailed: "not_authenticated",
    drf.PermissionDenied: "forbidden",
    drf.NotFound: "not_found",
    drf.MethodNotAllowed: "method_not_allowed",
    drf.NotAcceptable: "not_acceptable",
    drf.UnsupportedMediaType: "unsupported_media_type",
    drf.Throttled: "throttled",
}


def _drf_code(exc: drf.APIException) -> str:
    for kind, code in _DRF_CODES.items():
        if isinstance(exc, kind):
            return code
    return getattr(exc, "default_code", "error") or "error"


def unavailable_response(exc: Exception) -> Response:
    """503 with Retry-After for a database connection lost under the request (logged, no data)."""
    logger.warning("database unavailable, answered 503: %s", exc.__class__.__name__)
    response = Response(error_body("unavailable", _text(UNAVAILABLE_DETAIL)), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def api_exception_handler(exc, context):
    """REST framework exception handler: domain errors and DRF's own, in the one body shape."""
    if isinstance(exc, DomainError):
        return Response(exc.body(), status=exc.status_code)
    if isinstance(exc, OperationalError | InterfaceError):
        return unavailable_response(exc)
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:  # not an API error: a bug, left to Django's 500 handling
        return None
    code = _drf_code(exc)
    if isinstance(exc, drf.ValidationError):
        data = exc.detail
        if isinstance(data, Mapping):
            errors = _field_errors(data)
        else:
            errors = {"non_field_errors": [_text(m) for m in (data if isinstance(data, list) else [data])]}
        detail = _text(Invalid.default_detail)
        if list(errors) == ["non_field_errors"]:
            detail = " ".join(errors["non_field_errors"])
        response.data = error_body(code, detail, errors=errors)
    else:
        detail = exc.detail if not isinstance(exc.detail, list | dict) else Invalid.default_detail
        response.data = error_body(code, _text(detail))
    return response
