"""OpenAPI schema post-processing: the error answers every operation can give, documented once,
and the query filters, which an empty value switches off."""

from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "description": "Messages per field, or `detail` for the whole request.",
    "additionalProperties": True,
}

ERRORS = {
    "400": "Invalid input: messages per field.",
    "401": "No valid token or session.",
    "403": "The role may not do this.",
    "404": "No such record, or not one the caller may see.",
}


LOCAL_TIME = {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$",
              "description": "Local wall-clock time, HH:MM or HH:MM:SS (working calendars are local)."}


def _local_times(node):
    """OpenAPI's `format: time` demands a UTC offset; our times of day are local, so say so."""
    if isinstance(node, dict):
        if node.get("format") == "time":
            node.pop("format")
            node.update({k: v for k, v in LOCAL_TIME.items() if k not in node or k == "pattern"})
        for value in node.values():
            _local_times(value)
    elif isinstance(node, list):
        for value in node:
            _local_times(value)


def document_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: add the error answers to every operation."""
    _local_times(result)
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Error", ERROR_SCHEMA)
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and parameter.get("name") not in ("page", "page_size"):
                    parameter["allowEmptyValue"] = True  # an empty filter is no filter, as in our forms
            for code, description in ERRORS.items():
                operation["responses"].setdefault(code, {
                    "description": description,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                })
    return result
