"""`Idempotency-Key` for the API's creating and transitioning POSTs.

The first request with a key runs and its answer (status and body) is stored with the key in the
same transaction as the work; a repeat by the same user with the same key gets that answer back
without acting again (header `Idempotent-Replayed: true`). The same key with a different request
(method, path or body) is refused with 422. Two concurrent requests with one key are serialised
by the unique constraint: the second waits for the first to commit, then replays its answer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from loanhub.errors import DomainError, KeyReused, api_exception_handler, error_body
from loanhub.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def _fingerprint(request) -> str:
    try:
        body = json.dumps(request.data, sort_keys=True, cls=JSONEncoder)
    except (TypeError, ValueError):
        body = repr(request.data)
    text = f"{request.method}\n{request.path}\n{body}"
    return hashlib.sha256(text.encode()).hexdigest()


def _replay(record: IdempotencyRecord) -> Response:
    response = Response(record.response_body, status=record.response_status)
    response["Idempotent-Replayed"] = "true"
    return response


def _answer(handler: Callable[[], Response]) -> Response:
    """The handler's response; an expected error (a domain error or a refused body) becomes its
    answer, so it is stored and replayed like a success."""
    try:
        return handler()
    except (DomainError, ValidationError) as exc:
        return api_exception_handler(exc, {})


def idempotent(request, handler: Callable[[], Response]) -> Response:
    """Run `handler` once per (user, Idempotency-Key); without the header just run it.

    Expected errors are answers too (stored and replayed); an unexpected exception rolls back
    the work and the key alike.
    """
    key = (request.headers.get(HEADER) or "").strip()
    if not key or not getattr(request.user, "is_authenticated", False):
        return _answer(handler)
    if len(key) > MAX_KEY_LENGTH:
        message = _("at most %(count)s characters") % {"count": MAX_KEY_LENGTH}
        return Response(
            error_body("invalid", f"{HEADER}: {message}", errors={HEADER: [message]}),
            status=status.HTTP_400_BAD_REQUEST,
        )
    fingerprint = _fingerprint(request)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=request.user,
                    key=key,
                    method=request.method,
                    path=request.path[:500],
                    fingerprint=fingerprint,
                )
        except IntegrityError:
            record = IdempotencyRecord.objects.select_for_update().get(user=request.user, key=key)
            if record.fingerprint != fingerprint:
                detail = _(
                    "this Idempotency-Key was already used for a different request "
                    "(%(method)s %(path)s); use a new key"
                ) % {"method": record.method, "path": record.path}
                return Response(KeyReused(detail).body(), status=KeyReused.status_code)
            return _replay(record)
        response = _answer(handler)
        record.response_status = response.status_code
        record.response_body = json.loads(json.dumps(response.data, cls=JSONEncoder))
        record.save(update_fields=["response_status", "response_body"])
    return response
