"""OpenAPI pieces shared by every API module (drf-spectacular): the one error body.

Every API error, whatever its status, has the shape `loanhub.errors.error_body` writes:
{"detail": str, "code": str, "errors": {field: [message, …]}, "state": str | null}.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "One sentence in the request's language."},
        "code": {
            "type": "string",
            "description": "invalid, forbidden, not_found, conflict, not_authenticated, throttled, …",
        },
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Field-level messages (400), empty otherwise.",
        },
        "state": {
            "type": "string",
            "nullable": True,
            "description": "The object's current state when the action is refused in it (409).",
        },
    },
    "required": ["detail", "code", "errors", "state"],
}

FIELD_ERRORS = OpenApiResponse(
    response={
        **ERROR_SCHEMA,
        "example": {
            "detail": "Some fields are not valid.",
            "code": "invalid",
            "errors": {"principal": ["Ensure this value is greater than or equal to 0.01."]},
            "state": None,
        },
    },
    description="Field-level errors in `errors`: {field: [message, …]}",
)


def detail_response(description: str) -> OpenApiResponse:
    """An error answer (403, 404, 409, 422, 429) with its own description."""
    return OpenApiResponse(response=ERROR_SCHEMA, description=description)


UNSUPPORTED_MEDIA_TYPE = {
    "description": "The body's Content-Type is not one the operation reads (code `unsupported_media_type`).",
    "content": {"application/json": {"schema": ERROR_SCHEMA}},
}


def document_unsupported_media_type(result, generator, request, public):
    """drf-spectacular post-processing hook: every operation that reads a body may answer 415 (the
    REST framework refuses a Content-Type none of the view's parsers reads, before the view runs)."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                operation.setdefault("responses", {}).setdefault("415", UNSUPPORTED_MEDIA_TYPE)
    return result
