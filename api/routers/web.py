"""The single-page web app served at `/`, its static files under `/static/`, and offline API docs at `/api/docs`.

Everything the page needs ships in `api/web/` (plain HTML, CSS and JavaScript modules, no build step, no CDN), so
the page works on a machine without internet. File names carry no content hash, so the browser revalidates every
file (`no-cache` + ETag: a cheap 304 when nothing changed) and never mixes modules of two releases; the vendored
Swagger UI has its version in its path and is cached for a day.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles

from api.problems import NOT_FOUND, ApiProblem

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
SWAGGER_UI = "/static/vendor/swagger-ui-5.35.0"

# The page loads nothing from other origins; images may come from the object store's presigned URLs.
_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data: http: https:; "
        "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'")

router = APIRouter(include_in_schema=False)
_static = StaticFiles(directory=WEB_DIR, check_dir=False)


def _cache_control(path: str) -> str:
    if path.startswith("vendor/"):
        return "public, max-age=86400"
    return "no-cache"


@router.get("/")
async def index() -> FileResponse:
    return FileResponse(WEB_DIR / "index.html", media_type="text/html",
                        headers={"Cache-Control": "no-cache", "Content-Security-Policy": _CSP,
                                 "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"})


@router.get("/static/{path:path}")
async def static_file(path: str, request: Request) -> Response:
    try:
        response = await _static.get_response(path, request.scope)
    except StarletteHTTPException as err:
        if err.status_code != 404:
            raise
        raise ApiProblem(NOT_FOUND, f"no such file: /static/{path}") from None
    response.headers["Cache-Control"] = _cache_control(path)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@router.get("/api/docs")
async def api_docs(request: Request) -> HTMLResponse:
    """Swagger UI for this API from the vendored copy (FastAPI's own /docs loads it from a CDN)."""
    return get_swagger_ui_html(openapi_url=request.app.openapi_url or "/openapi.json",
                               title=f"{request.app.title} API",
                               swagger_js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
                               swagger_css_url=f"{SWAGGER_UI}/swagger-ui.css",
                               swagger_favicon_url="/static/img/icon.svg",
                               swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": True})


@router.get("/favicon.ico")
async def favicon() -> Response:
    if not (WEB_DIR / "img" / "icon.svg").exists():
        raise ApiProblem(NOT_FOUND, "no icon")
    return FileResponse(WEB_DIR / "img" / "icon.svg", media_type="image/svg+xml",
                        headers={"Cache-Control": "public, max-age=86400"})
