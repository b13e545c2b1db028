"""One error shape for every failure: ``{"error": {"code", "message", ...}}`` with its status."""

from __future__ import annotations

import redis
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.errors import HubSpotActionsError, InvalidRequest
from core.logging import get_logger
from schemas.json_guard import MAX_JSON_DEPTH

log = get_logger(__name__)


def error_response(status: int, code: str, message: str, **extra: object) -> JSONResponse:
    body: dict[str, object] = {"code": code, "message": message}
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse({"error": body}, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HubSpotActionsError)
    async def _domain(request: Request, exc: HubSpotActionsError) -> JSONResponse:
        if exc.http_status >= 500:
            log.warning("api.error", path=request.url.path, code=exc.code, message=exc.message)
        return JSONResponse({"error": exc.to_dict()}, status_code=exc.http_status)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "field": ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body",
                "problem": str(err.get("msg", "invalid")).removeprefix("Value error, "),
            }
            for err in exc.errors()
        ]
        message = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
        return error_response(422, InvalidRequest.code, message, errors=problems)

    @app.exception_handler(redis.RedisError)
    async def _redis(request: Request, exc: redis.RedisError) -> JSONResponse:
        log.warning("api.redis_unavailable", path=request.url.path, error=type(exc).__name__)
        return error_response(503, "service_unavailable", "Redis is unavailable; retry shortly")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.__cause__ is not None:
            return _unparsable_body(exc.__cause__)
        codes = {404: "not_found", 405: "method_not_allowed"}
        response = error_response(
            exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail)
        )
        # A 405 names the methods the path takes (``Allow``, RFC 9110 section 15.5.6).
        response.headers.update(exc.headers or {})
        return response


def _unparsable_body(cause: BaseException) -> JSONResponse:
    """FastAPI answers 400 when it cannot parse a body; to us that is bad input, a 422."""
    if isinstance(cause, RecursionError):
        message = f"the request body is nested deeper than {MAX_JSON_DEPTH} levels"
    else:
        message = "the request body is not valid JSON"
    return error_response(422, InvalidRequest.code, message)
