"""The FastAPI application: REST API, Server-Sent Events and the web chat page.

``create_app(settings)`` builds everything from the settings; ``adloom serve`` runs it with
uvicorn. OpenAPI docs are at ``/docs`` (schema at ``/openapi.json``).
"""

from __future__ import annotations

import hmac
import threading
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from adloom.api.brief_routes import brief_router
from adloom.conversations import ChatService
from adloom.api.data_routes import data_router
from adloom.api.events import ThreadEvents
from adloom.api.footage_routes import footage_router
from adloom.api.security import TOKEN_COOKIE, GuardMiddleware
from adloom.api.studio_routes import studio_router
from adloom.api.thread_routes import thread_router
from adloom.config import Settings
from adloom.tools.context import ResidentModels


SERVED_FOLDERS = ("assets", "runs")
"""The data directory's folders whose files the API serves: stored assets and run outputs.
The database, checkpoints, scratch files, the cache index and models are never served."""


class FilePaths:
    """Maps served files under the data directory to ``/api/files/...`` URLs and back, nothing else."""

    def __init__(self, data_dir: Path):
        self.root = Path(data_dir).resolve()
        self.folders = tuple(self.root / folder for folder in SERVED_FOLDERS)

    def served(self, path: str | Path) -> Path | None:
        """The resolved path when it is a servable location (in a served folder, no hidden part)."""
        try:
            resolved = Path(path).resolve()
        except (ValueError, OSError):  # a NUL byte, a symlink loop
            return None
        for folder in self.folders:
            if resolved.is_relative_to(folder):
                parts = resolved.relative_to(folder).parts
                if parts and not any(part.startswith(".") for part in parts):
                    return resolved
        return None

    def url(self, path: str | Path) -> str | None:
        """The URL of a servable file, or None for anything else (outside, hidden, the database...)."""
        resolved = self.served(path)
        if resolved is None:
            return None
        return "/api/files/" + resolved.relative_to(self.root).as_posix()

    def resolve(self, relative: str) -> Path:
        """The file a URL names.

        Raises:
            HTTPException: 404 when it is not a served file (outside the served folders,
                hidden, missing).
        """
        candidate = self.served(self.root / relative) if "\x00" not in relative else None
        if candidate is None or not candidate.is_file():
            raise HTTPException(404, f"no file {relative!r} among the served files (assets and run outputs)")
        return candidate

    def with_urls(self, media: list[dict]) -> list[dict]:
        return [{**item, "url": self.url(item["path"])} for item in media]


def create_app(
    settings: Settings, *, models: ResidentModels | None = None, service: ChatService | None = None,
) -> FastAPI:
    """The application for these settings.

    Args:
        models: resident models to share (tests inject a scripted LLM here).
        service: a ready chat service (default: one built from ``settings``).
    """
    app = FastAPI(
        title="adloom", version="0.1.0",
        description="Chat with the campaign planner, approve its drafts, and browse brands, runs and assets.",
    )
    app.state.settings = settings
    app.state.service = service or ChatService(settings, models=models or ResidentModels())
    app.state.events = ThreadEvents()
    app.state.files = FilePaths(settings.data_dir)
    app.state.workers = []  # background turn threads (joined by tests)
    app.state.workers_lock = threading.Lock()

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            problems.append(f"{where}: {error['msg']}")
        return JSONResponse({"detail": "invalid request", "problems": problems}, status_code=422)

    @app.get("/api/health", tags=["server"])
    def health() -> dict:
        return {"status": "ok"}

    @app.post("/api/session", tags=["server"])
    def start_session(payload: dict) -> Response:
        """Exchange the token for an HttpOnly cookie, so the page's media previews are authorised."""
        token = settings.server.token
        offered = str(payload.get("token", ""))
        if token is None:
            return JSONResponse({"auth": "none needed"})
        if not hmac.compare_digest(offered.encode(), token.get_secret_value().encode()):
            raise HTTPException(401, "wrong token")
        response = JSONResponse({"auth": "ok"})
        response.set_cookie(TOKEN_COOKIE, offered, httponly=True, samesite="strict")
        return response

    app.include_router(data_router, prefix="/api")
    app.include_router(thread_router, prefix="/api")
    app.include_router(footage_router, prefix="/api")
    app.include_router(brief_router, prefix="/api")
    app.include_router(studio_router, prefix="/api")

    static = resources.files("adloom.api").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(str(static.joinpath("index.html")), media_type="text/html")

    app.add_middleware(GuardMiddleware, server=settings.server)
    return app
