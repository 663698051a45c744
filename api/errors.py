"""Every error is JSON ``{"status": <code>, "message": "<one sentence>"}``, never a traceback."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

__all__ = ["ERROR_RESPONSES", "ErrorBody", "install_error_handlers", "validation_sentence"]

log = logging.getLogger("tia.api")


class ErrorBody(BaseModel):
    """An error: the HTTP status and one sentence saying what was wrong and what to do."""

    status: int
    message: str


#: Documented on every route, so clients (and schemathesis) know the error shape. The schema
#: is given as JSON content, so that routes answering HTML or GeoJSON document errors as JSON.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {
        "description": text,
        "content": {"application/json": {"schema": ErrorBody.model_json_schema()}},
    }
    for code, text in (
        (400, "Bad request"),
        (401, "Missing or wrong token"),
        (404, "Not found"),
        (409, "Conflict with a running job"),
        (413, "Upload too large"),
        (422, "Invalid parameters or data"),
        (500, "Internal error (details in the server log)"),
    )
}


def validation_sentence(exc: RequestValidationError) -> str:
    """Turn FastAPI's validation errors into one sentence naming the parameter."""
    errors = exc.errors()
    first = errors[0]
    loc = [str(p) for p in first.get("loc", ())]
    where = {"query": "query parameter", "path": "path parameter", "body": "request body"}
    kind = where.get(loc[0], loc[0]) if loc else "request"
    name = ".".join(loc[1:])
    target = f"{kind} '{name}'" if name else kind
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    return f"{target}: {first.get('msg', 'invalid')}{more}"


def _body(status: int, message: str) -> dict[str, Any]:
    return {"status": status, "message": message}


def install_error_handlers(app: FastAPI) -> None:
    """Make every error response JSON with a message (HTTP errors, validation, crashes)."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such resource: {request.url.path}; GET / lists the datasets"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        return JSONResponse(
            _body(exc.status_code, message), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(_body(422, validation_sentence(exc)), status_code=422)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        log.exception("%s %s failed", request.method, request.url.path)
        message = "internal error; the server log has the details"
        return JSONResponse(_body(500, message), status_code=500)
