"""MLflow's error format, ``{"error_code": ..., "message": ...}``, its codes and their HTTP
statuses: for MLflow's endpoints and for the middleware's refusals on MLflow's paths."""

from __future__ import annotations

from app.domain.errors import ErrorCode

PREFIX = "/mlflow"

# MLflow's error codes (mlflow/protos/databricks.proto) and the HTTP status of each.
STATUS = {
    "INVALID_PARAMETER_VALUE": 400,
    "BAD_REQUEST": 400,
    "RESOURCE_ALREADY_EXISTS": 400,
    "INVALID_STATE": 400,
    "UNAUTHENTICATED": 401,
    "PERMISSION_DENIED": 403,
    "RESOURCE_DOES_NOT_EXIST": 404,
    "ENDPOINT_NOT_FOUND": 404,
    "RESOURCE_EXHAUSTED": 429,
    "REQUEST_LIMIT_EXCEEDED": 429,
    "INTERNAL_ERROR": 500,
    "TEMPORARILY_UNAVAILABLE": 503,
}
FROM_DOMAIN = {
    ErrorCode.VALIDATION: "INVALID_PARAMETER_VALUE",
    ErrorCode.NOT_FOUND: "RESOURCE_DOES_NOT_EXIST",
    ErrorCode.CONFLICT: "RESOURCE_ALREADY_EXISTS",
    ErrorCode.FORBIDDEN: "PERMISSION_DENIED",
    ErrorCode.UNAUTHENTICATED: "UNAUTHENTICATED",
    ErrorCode.QUOTA_EXCEEDED: "RESOURCE_EXHAUSTED",
    ErrorCode.INVALID_TRANSITION: "INVALID_STATE",
    ErrorCode.ORGANIZATION_READ_ONLY: "PERMISSION_DENIED",
    ErrorCode.UNAVAILABLE: "TEMPORARILY_UNAVAILABLE",
}
# The middleware's own refusals (authentication, rate limits, body size) in MLflow's words.
FROM_MIDDLEWARE = {
    "UNAUTHENTICATED": "UNAUTHENTICATED",
    "RATE_LIMITED": "REQUEST_LIMIT_EXCEEDED",
    "PAYLOAD_TOO_LARGE": "INVALID_PARAMETER_VALUE",
    "UNAVAILABLE": "TEMPORARILY_UNAVAILABLE",
    "NOT_FOUND": "ENDPOINT_NOT_FOUND",
    "METHOD_NOT_ALLOWED": "ENDPOINT_NOT_FOUND",
}


def is_mlflow_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def error_body(code: str, message: str) -> dict[str, str]:
    return {"error_code": code, "message": message}


def middleware_error_body(code: str, message: str) -> dict[str, str]:
    return error_body(FROM_MIDDLEWARE.get(code, "BAD_REQUEST"), message)
