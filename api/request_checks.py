"""Checks every route shares, read from the app's own OpenAPI spec: no query parameter the
route does not declare, and a 405's ``Allow`` naming exactly the methods of the path."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import FastAPI, Request

from node.domain.errors import InvalidFieldError


@dataclass(frozen=True)
class _PathSpec:
    pattern: re.Pattern[str]
    queries: dict[str, frozenset[str]]
    """Method (upper case) → the query parameters the operation declares."""


def _paths(app: FastAPI) -> list[_PathSpec]:
    """The spec's paths as patterns, computed once per app."""
    table: list[_PathSpec] | None = getattr(app.state, "path_specs", None)
    if table is None:
        table = [
            _PathSpec(
                _template_pattern(template),
                {
                    method.upper(): frozenset(
                        p["name"] for p in operation.get("parameters", []) if p["in"] == "query"
                    )
                    for method, operation in item.items()
                },
            )
            for template, item in app.openapi()["paths"].items()
        ]
        app.state.path_specs = table
    return table


def _template_pattern(template: str) -> re.Pattern[str]:
    """``/a/{x}/b`` as a pattern matching ``/a/anything/b``."""
    parts = re.split(r"\{[^}]+\}", template)
    return re.compile("^" + "[^/]+".join(re.escape(part) for part in parts) + "$")


def no_unknown_query(request: Request) -> None:
    """Refuse a query parameter the route does not take: a misspelt ``limt`` would otherwise
    be ignored and the client would never learn why its page is 50 long."""
    if not request.query_params:
        return
    path, method = request.url.path, request.method
    for spec in _paths(request.app):
        if method in spec.queries and spec.pattern.match(path):
            unknown = sorted(set(request.query_params) - spec.queries[method])
            if unknown:
                raise InvalidFieldError(
                    unknown[0], "unknown_parameter", "this route takes no such parameter"
                )
            return


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """The methods the OpenAPI spec gives ``path`` (a request path, not a template)."""
    methods: set[str] = set()
    for spec in _paths(app):
        if spec.pattern.match(path):
            methods.update(spec.queries)
    return sorted(methods)
