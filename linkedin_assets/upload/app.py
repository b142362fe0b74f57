"""The upload page: drop exports on a web page, see each one judged before it lands, follow it
to the dashboard.

    GET  /                the page
    PUT  /files?name=...  one file, streamed (capped at LINKEDIN_MAX_FILE_MB): its verdict, and
                          where it landed when accepted
    GET  /status?file=    where a landed file (`volume/name`) has got to in Dagster
    GET  /posts           the posts the lake knows, with their titles (for the patch form)
    POST /patch           one correction {post_url, true_url, title, content}, landed as a patch file

Bound to loopback unless told otherwise; any other bind needs LINKEDIN_UPLOAD_TOKEN and
every request must carry it (`Authorization: Bearer <token>`, or `?token=` for the page).
No error text but the verdicts reaches the browser: a failure is logged here, and the
page gets a short message.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import secrets
from pathlib import Path
from typing import Protocol

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from linkedin_assets.core.exports.guards import max_file_bytes
from linkedin_assets.core.exports.model import ExportError
from linkedin_assets.core.upload import Verdict, inspect_upload, patch_csv, staging_path

LOG = logging.getLogger("linkedin_assets.upload")
PAGE = Path(__file__).with_name("page.html")
PATCH_NAME = "correction-from-upload-page.csv"


class UploadTarget(Protocol):
    """Where accepted files go and how the page follows them: local folders (local.py) or UC volumes (volumes.py)."""

    staging_root: Path  # a local folder for uploads being judged

    def known_posts(self) -> set[str]: ...

    def titles(self) -> dict[str, str | None]:
        """post_url -> title (None when the lake has none) of the posts the lake knows."""

    def land(self, staged: Path, verdict: Verdict) -> str:
        """Store an accepted upload in its volume's pending/; `volume/name` it landed as."""

    def progress(self, source_file: str) -> dict:
        """{"state", "stages", "reason"} of a landed `volume/name`."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_token(host: str, token: str | None) -> None:
    """Refuse to serve beyond loopback without a token."""
    if not is_loopback(host) and not token:
        raise SystemExit(f"refusing to serve on {host} without LINKEDIN_UPLOAD_TOKEN: set it, or bind 127.0.0.1")


class UploadPage:
    def __init__(self, target: UploadTarget, token: str | None = None):
        self.target = target
        self.token = token

    # -- access ---------------------------------------------------------------------

    def _allowed(self, request: Request) -> bool:
        if not self.token:
            return True
        given = request.query_params.get("token") or ""
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            given = header[7:].strip()
        return secrets.compare_digest(given.encode(), self.token.encode())

    # -- routes ---------------------------------------------------------------------

    async def page(self, request: Request) -> Response:
        return HTMLResponse(PAGE.read_text(encoding="utf-8"))

    async def upload(self, request: Request) -> Response:
        name = request.query_params.get("name") or ""
        limit = max_file_bytes()
        staged = staging_path(self.target.staging_root, name)
        size = 0
        try:
            with staged.open("wb") as sink:
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > limit:
                        # Not read any further: the rest of the body is never stored.
                        reason = f"file is over the {limit // (1024 * 1024)} MB limit (LINKEDIN_MAX_FILE_MB)"
                        return JSONResponse(_shown(Verdict(name, reason=str(ExportError(name, reason)))), 413)
                    sink.write(chunk)
            return self._judge_and_land(staged, name)
        finally:
            with contextlib.suppress(FileNotFoundError):
                staged.unlink()

    def _judge_and_land(self, staged: Path, name: str) -> Response:
        verdict = inspect_upload(staged, name, self.target.known_posts())
        out = _shown(verdict)
        if verdict.accepted:
            out["landed"] = self.target.land(staged, verdict)
        return JSONResponse(out)

    async def status(self, request: Request) -> Response:
        source = request.query_params.get("file") or ""
        if "/" not in source:
            return JSONResponse({"error": "expected file=<volume>/<name>"}, 400)
        return JSONResponse(self.target.progress(source))

    async def posts(self, request: Request) -> Response:
        titles = self.target.titles()
        for url in self.target.known_posts():
            titles.setdefault(url, None)
        listed = [{"post_url": url, "title": title} for url, title in sorted(titles.items())]
        return JSONResponse({"posts": listed})

    async def patch(self, request: Request) -> Response:
        try:
            body = json.loads(await request.body())
        except ValueError:
            return JSONResponse({"error": "expected a JSON object"}, 400)
        if not isinstance(body, dict):
            return JSONResponse({"error": "expected a JSON object"}, 400)
        row = {
            k: (str(body.get(k)).strip() if body.get(k) else None) for k in ("post_url", "true_url", "title", "content")
        }
        staged = staging_path(self.target.staging_root, PATCH_NAME)
        try:
            staged.write_bytes(patch_csv([row]))
            return self._judge_and_land(staged, PATCH_NAME)
        finally:
            with contextlib.suppress(FileNotFoundError):
                staged.unlink()


def _shown(verdict: Verdict) -> dict:
    return {
        "name": verdict.name,
        "accepted": verdict.accepted,
        "volume": verdict.volume,
        "facts": verdict.facts,
        "reason": verdict.reason,
    }


def create_app(target: UploadTarget, token: str | None = None) -> Starlette:
    page = UploadPage(target, token)

    def guarded(handler):
        async def endpoint(request: Request) -> Response:
            if not page._allowed(request):
                return JSONResponse({"error": "a valid token is required (LINKEDIN_UPLOAD_TOKEN)"}, 401)
            try:
                return await handler(request)
            except Exception:  # the browser gets no trace; the terminal does
                LOG.exception("upload page: %s %s failed", request.method, request.url.path)
                return JSONResponse({"error": "the server could not handle this request; see its log"}, 500)

        return endpoint

    return Starlette(
        routes=[
            Route("/", guarded(page.page), methods=["GET"]),
            Route("/files", guarded(page.upload), methods=["PUT"]),
            Route("/status", guarded(page.status), methods=["GET"]),
            Route("/posts", guarded(page.posts), methods=["GET"]),
            Route("/patch", guarded(page.patch), methods=["POST"]),
        ]
    )


def serve(target: UploadTarget, host: str, port: int, token: str | None, where: str) -> None:
    require_token(host, token)
    print(f"upload page: http://{host}:{port}/ (files land in {where})")
    uvicorn.run(create_app(target, token), host=host, port=port, log_level="warning")
