"""HTTP plumbing: routes validated by pydantic, problem+json errors, health, OpenAPI."""

from shared.http.problems import problem_response
from shared.http.routing import Api, Route, path_uuid, principal_of

__all__ = ["Api", "Route", "path_uuid", "principal_of", "problem_response"]
