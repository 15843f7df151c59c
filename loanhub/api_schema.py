"""OpenAPI pieces shared by every API module (drf-spectacular)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse

# A 400 body: {"<field>": ["<message>", …], …} — any request field name may appear as a key; a
# nested field (a list of fees, a cash-flow row) holds the same shape for its own fields; a body
# that is not JSON at all gets {"detail": "JSON parse error …"}.
FIELD_ERRORS = OpenApiResponse(
    response={
        "type": "object",
        "additionalProperties": {},
        "example": {"principal": ["Ensure this value is greater than or equal to 0.01."]},
    },
    description="Field-level errors: {field: [message, …]}",
)

# A 403/404/409/422 body: {"detail": "…"} and, for a transition refused in the current state, "state".
DETAIL_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}, "state": {"type": "string"}},
    "required": ["detail"],
}


def detail_response(description: str) -> OpenApiResponse:
    """A {"detail": …} answer with its own description."""
    return OpenApiResponse(response=DETAIL_SCHEMA, description=description)
