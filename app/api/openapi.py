"""Additions to the generated OpenAPI document that no single view can declare."""
from __future__ import annotations

from apispec import BasePlugin

MALFORMED = {
    "description": "Malformed request: the body cannot be read (for example, not JSON)",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}

TOO_LARGE = {
    "description": "The request body is larger than the server accepts (MAX_CONTENT_LENGTH)",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


class MalformedBodyPlugin(BasePlugin):
    """Every operation that reads a body documents the 400 it returns when it cannot, and the
    413 for a body over the size limit."""

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        for operation in (operations or {}).values():
            if isinstance(operation, dict) and "requestBody" in operation:
                operation.setdefault("responses", {}).setdefault("400", MALFORMED)
                operation["responses"].setdefault("413", TOO_LARGE)
