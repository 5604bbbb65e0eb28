"""The API's OpenAPI schema, errors included.

drf-spectacular documents the success of each operation only, so a client generated from the
schema (or a tester driving the API through it: schemathesis reported every 400, 401, 403, 404 and
429 as an undocumented status) knew nothing of the answers it gets when things go wrong. Each
operation here also lists the errors it can answer, with their body: ``{"detail": "..."}``, or for
a refused request body the messages per field."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """The body of every error but a refused request body: what went wrong, for a person to read."""

    detail = serializers.CharField(read_only=True)


VALIDATION_ERROR = {
    "type": "object",
    "description": (
        'Either {"detail": "..."} for the request as a whole, or the messages per field '
        '({"title": ["..."], "non_field_errors": ["..."]}; a list field keys its messages by index).'
    ),
    "properties": {
        "detail": {"type": "string"},
        "non_field_errors": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": {},
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class AutoSchema(SpectacularAutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        error = self.resolve_serializer(ErrorSerializer, "response").ref
        invalid = self._component("ValidationError", VALIDATION_ERROR)
        parameters = operation.get("parameters", [])
        has_query = any(p.get("in") == "query" for p in parameters)
        has_path = any(p.get("in") == "path" for p in parameters)
        paginated = self._get_paginator() is not None and self._is_list_view()
        codes = {}
        if "requestBody" in operation or has_query or method.upper() in UNSAFE:  # a service's refusal
            codes["400"] = (invalid, "The request is malformed or its values are refused.")
        if operation.get("security") and {} not in operation["security"]:
            codes["401"] = (error, "No credentials, or a token that is not valid.")
            codes["403"] = (error, "You may not do this.")
        if has_path or paginated:
            codes["404"] = (error, "No such object, or you cannot see it (or no such page).")
        if "requestBody" in operation:
            codes["415"] = (error, "The request body is not in a supported media type.")
        if method.upper() in UNSAFE:
            codes["429"] = (error, "Too many requests: the message says when to try again.")
        responses = operation["responses"]
        for code, (component, description) in codes.items():
            responses.setdefault(
                code, {"description": description, "content": {"application/json": {"schema": component}}}
            )
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _component(self, name, schema):
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
        self.registry.register_on_missing(component)
        return component.ref
