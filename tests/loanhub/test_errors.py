"""One error hierarchy, one exception handler, one body shape, in the request's language."""

from __future__ import annotations

import pytest
from django import db
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions as drf
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from loanhub.errors import RETRY_AFTER_SECONDS, Conflict, DomainError, Forbidden, Invalid, NotFound

KEYS = {"detail", "code", "errors", "state"}


def _answer(exc, *, language="en"):
    class Failing(APIView):
        permission_classes = [AllowAny]
        authentication_classes = []

        def get(self, request):
            raise exc

    with translation.override(language):
        response = Failing.as_view()(APIRequestFactory().get("/x"))
        response.render()
    return response


def test_invalid_is_a_400_with_field_errors():
    response = _answer(Invalid({"amount": ["must be at least 1000.00"], "term": "too long"}))
    assert response.status_code == 400
    assert response.data == {
        "detail": "amount: must be at least 1000.00; term: too long",
        "code": "invalid",
        "errors": {"amount": ["must be at least 1000.00"], "term": ["too long"]},
        "state": None,
    }


@pytest.mark.parametrize(
    ("exc", "status", "code", "state"),
    [
        (Forbidden("only a Loan Officer may approve"), 403, "forbidden", None),
        (NotFound(), 404, "not_found", None),
        (Conflict("cannot approve: A00000001 is declined", state="declined"), 409, "conflict", "declined"),
    ],
)
def test_each_kind_has_its_status_and_the_same_shape(exc, status, code, state):
    response = _answer(exc)
    assert response.status_code == status
    assert set(response.data) == KEYS
    assert (response.data["code"], response.data["state"], response.data["errors"]) == (code, state, {})
    with translation.override("en"):
        assert response.data["detail"] == str(exc)


def test_an_apps_error_is_caught_as_its_kind():
    class ApplicationStateError(Conflict):
        pass

    error = ApplicationStateError("cannot withdraw", state="disbursed")
    assert isinstance(error, DomainError)
    assert _answer(error).status_code == 409


def test_rest_framework_errors_take_the_same_shape():
    class Body(serializers.Serializer):
        amount = serializers.DecimalField(max_digits=18, decimal_places=2)

    serializer = Body(data={"amount": "abc"})
    with translation.override("en"):
        serializer.is_valid()
    invalid = _answer(drf.ValidationError(serializer.errors))
    assert invalid.status_code == 400
    assert invalid.data["code"] == "invalid"
    assert invalid.data["errors"] == {"amount": ["A valid number is required."]}
    throttled = _answer(drf.Throttled(wait=30))
    assert (throttled.status_code, throttled.data["code"]) == (429, "throttled")
    assert set(throttled.data) == KEYS
    missing = _answer(Http404())
    assert (missing.status_code, missing.data["code"]) == (404, "not_found")
    anonymous = _answer(drf.NotAuthenticated())
    assert anonymous.data["code"] == "not_authenticated"


def test_nested_errors_are_flattened_to_messages_per_field():
    response = _answer(drf.ValidationError({"fees": [{"amount": ["must be positive"]}, {}]}))
    assert response.data["errors"] == {"fees": ["amount: must be positive"]}


def test_messages_are_in_the_request_language():
    chinese = _answer(Forbidden(_("You do not have permission to perform this action.")), language="zh-hans")
    english = _answer(Forbidden(_("You do not have permission to perform this action.")), language="en")
    assert english.data["detail"] == "You do not have permission to perform this action."
    assert chinese.data["detail"] != english.data["detail"]
    assert chinese.data["detail"] == "您没有执行该操作的权限。"


@pytest.mark.parametrize(
    "exc",
    [
        db.OperationalError("server closed the connection unexpectedly"),
        db.InterfaceError("connection already closed"),
    ],
    ids=["operational", "interface"],
)
def test_a_lost_database_connection_is_a_503_to_retry_not_a_500(exc, caplog):
    response = _answer(exc)
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert set(response.data) == KEYS
    assert response.data["code"] == "unavailable"
    assert (response.data["errors"], response.data["state"]) == ({}, None)
    assert "Idempotency-Key" in response.data["detail"]
    # Logged by kind only: the driver's message may quote the statement and its values.
    assert exc.__class__.__name__ in caplog.text
    assert str(exc) not in caplog.text
    chinese = _answer(exc, language="zh-hans")
    assert chinese.data["detail"] != response.data["detail"]


def test_other_database_errors_stay_bugs():
    """An integrity error is a bug of the code (a missing check or lock), not a 503 to retry."""
    with pytest.raises(db.IntegrityError):
        _answer(db.IntegrityError("duplicate key"))


def test_every_operation_with_a_body_documents_the_415_its_parsers_answer():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "requestBody" in operation
    ]
    assert len(operations) > 20
    undocumented = [(path, method) for path, method, op in operations if "415" not in op["responses"]]
    assert undocumented == []


@pytest.mark.django_db
def test_an_unreadable_content_type_is_a_415_in_the_one_body(client):
    response = client.post("/api/v1/calculator/schedule/", data="principal=1", content_type="text/plain")
    assert response.status_code == 415
    assert set(response.json()) == KEYS
    assert response.json()["code"] == "unsupported_media_type"
