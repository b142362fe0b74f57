"""The Files API for Unity Catalog volumes, as the stand-in serves it.

    PUT    /api/2.0/fs/files{path}?overwrite=       upload (raw body; creates missing parents)
    GET    /api/2.0/fs/files{path}                  download (raw bytes; honours Range: bytes=N-[M])
    HEAD   /api/2.0/fs/files{path}                  get_metadata
    DELETE /api/2.0/fs/files{path}                  delete
    POST   /api/2.0/fs/files{path}?action=...       FilesExt's multipart initiate-upload: 501
    PUT    /api/2.0/fs/directories{path}            create_directory (with parents; idempotent)
    GET    /api/2.0/fs/directories{path}            list_directory_contents (page_size, page_token)
    HEAD   /api/2.0/fs/directories{path}            get_directory_metadata
    DELETE /api/2.0/fs/directories{path}            delete_directory (must be empty)

`{path}` is an absolute local path under `root`: the tests point LINKEDIN_VOLUMES_ROOT
there, so it plays the /Volumes FUSE mount a cluster has, and code in this process can
read and write the same files directly, as a notebook does. As on a workspace, a path
must lie inside a volume, `<root>/<catalog>/<schema>/<volume>/...`, and the volume must
exist (the tests create the bundle's, as `databricks bundle deploy` does): anything
else answers 404, and the Files API never creates a volume, only folders inside one.

What the SDK needs from the answers: download and HEAD carry content-length,
content-type and last-modified (HTTP-date) headers, which `DownloadResponse` and
`GetMetadataResponse` are built from; HEAD errors have no body, so the SDK maps them
by status alone (404 -> NotFound). Errors as the real API gives them: 409
ALREADY_EXISTS for overwrite=false on an existing file, 400 with the ErrorInfo reason
FILES_API_DIRECTORY_IS_NOT_EMPTY for deleting a non-empty directory.

Uploads: `WorkspaceClient().files` is the plain FilesAPI unless
DATABRICKS_ENABLE_EXPERIMENTAL_FILES_API_CLIENT is set, and sends one PUT at any size.
The experimental FilesExt does the same below `multipart_upload_min_stream_size`
(5 MiB); from there it POSTs ?action=initiate-upload and expects presigned cloud URLs,
which the stand-in does not offer (501, the SDK's NotImplemented).
"""

from __future__ import annotations

import base64
import email.utils
import os
import tempfile
from pathlib import Path
from urllib.parse import unquote

PAGE_SIZE = 1000  # the API's default and maximum
NOT_EMPTY = {  # what the real API attaches, and the CLI checks for, on a non-empty delete
    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
    "reason": "FILES_API_DIRECTORY_IS_NOT_EMPTY",
    "domain": "filesystem.databricks.com",
}


def _error(code: str, message: str, **extra) -> dict:
    return {"error_code": code, "message": message, **extra}


class VolumeFiles:
    def __init__(self, root: Path | None):
        self.root = Path(os.path.abspath(root)) if root is not None else None

    def route(self, request):
        for kind in ("files", "directories"):
            prefix = f"/api/2.0/fs/{kind}"
            if request.path.startswith(prefix + "/"):
                raw = unquote(request.path[len(prefix) :])
                target = self._local(raw)
                if target is None:
                    return 404, _error("NOT_FOUND", f"The path {raw} is not in an existing Unity Catalog volume.")
                handler = getattr(self, f"_{kind}_{request.method.lower()}", None)
                return None if handler is None else handler(request, raw, target)
        return None

    def _local(self, raw: str) -> Path | None:
        """The file a request path names, or None when it is not inside an existing volume."""
        if self.root is None or not raw.startswith("/"):
            return None
        path = Path(os.path.normpath(raw))
        if not path.is_relative_to(self.root):
            return None
        parts = path.relative_to(self.root).parts
        if len(parts) < 3 or not (self.root / Path(*parts[:3])).is_dir():
            return None
        return path

    def create_volume(self, catalog: str, schema: str, name: str) -> Path:
        """What the bundle's `volumes` resources do on deploy."""
        assert self.root is not None
        volume = self.root / catalog / schema / name
        volume.mkdir(parents=True, exist_ok=True)
        return volume

    # -- files ---------------------------------------------------------------

    def _files_put(self, request, raw: str, target: Path):
        overwrite = request.query.get("overwrite", "true").lower() != "false"
        if target == self.root or target.is_dir():
            return 409, _error("ALREADY_EXISTS", f"A directory already exists at {raw}.")
        if target.exists() and not overwrite:
            return 409, _error("ALREADY_EXISTS", f"The file being created already exists: {raw}.")
        blocker = _file_among_parents(target, self.root)
        if blocker is not None:
            return 409, _error("ALREADY_EXISTS", f"A file exists at {blocker}, which {raw} needs as a directory.")
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a reader going through the "mount" never sees half a file.
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".upload")
        with os.fdopen(fd, "wb") as out:
            out.write(request.body)
        os.replace(temp, target)
        return 204, None

    def _files_get(self, request, raw: str, target: Path):
        if not target.is_file():
            return 404, _error("NOT_FOUND", f"The file being accessed is not found: {raw}.")
        headers = _file_headers(target)
        since = _http_date(request.headers.get("If-Unmodified-Since"))
        # HTTP dates have whole seconds: compare at that precision, as the header was made from one.
        if since is not None and int(target.stat().st_mtime) > since:
            return 412, _error(
                "FAILED_PRECONDITION", f"{raw} was modified since {request.headers['If-Unmodified-Since']}."
            )
        data = target.read_bytes()
        ranged = _byte_range(request.headers.get("Range"), len(data))
        if ranged is None:
            return 200, data, headers
        start, end = ranged
        headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
        return 206, data[start : end + 1], headers

    def _files_head(self, request, raw: str, target: Path):
        if not target.is_file():
            return 404, None
        headers = _file_headers(target)
        headers["Content-Length"] = str(target.stat().st_size)
        return 200, None, headers

    def _files_delete(self, request, raw: str, target: Path):
        if not target.is_file():
            return 404, _error("NOT_FOUND", f"The file being accessed is not found: {raw}.")
        target.unlink()
        return 204, None

    def _files_post(self, request, raw: str, target: Path):
        # Only FilesExt (DATABRICKS_ENABLE_EXPERIMENTAL_FILES_API_CLIENT) sends this, and only for
        # streams of 5 MiB or more; its multipart protocol uploads to presigned cloud URLs.
        return 501, _error(
            "NOT_IMPLEMENTED", "The stand-in does not implement multipart uploads; upload files under 5 MiB."
        )

    # -- directories ------------------------------------------------------------

    def _directories_put(self, request, raw: str, target: Path):
        if target.is_file():
            return 409, _error("ALREADY_EXISTS", f"A file already exists at {raw}.")
        blocker = _file_among_parents(target, self.root)
        if blocker is not None:
            return 409, _error("ALREADY_EXISTS", f"A file exists at {blocker}, which {raw} needs as a directory.")
        target.mkdir(parents=True, exist_ok=True)
        return 204, None

    def _directories_get(self, request, raw: str, target: Path):
        if not target.is_dir():
            return 404, _error("NOT_FOUND", f"The directory being accessed is not found: {raw}.")
        try:
            size = min(int(request.query.get("page_size") or PAGE_SIZE), PAGE_SIZE)
            start = _offset(request.query.get("page_token"))
        except ValueError:
            return 400, _error("INVALID_PARAMETER_VALUE", "page_size or page_token is not valid")
        if size <= 0:
            size = PAGE_SIZE
        # Entries named as the caller named the directory, so paths round-trip into later calls.
        base = raw.rstrip("/")
        names = sorted(p.name for p in target.iterdir() if not _upload_in_progress(p))
        page = names[start : start + size]
        body: dict = {"contents": [_entry(target / name, f"{base}/{name}") for name in page]}
        if start + size < len(names):
            body["next_page_token"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
        return 200, body

    def _directories_head(self, request, raw: str, target: Path):
        return (200, None) if target.is_dir() else (404, None)

    def _directories_delete(self, request, raw: str, target: Path):
        if not target.is_dir() or target == self.root:
            return 404, _error("NOT_FOUND", f"The directory being accessed is not found: {raw}.")
        if any(target.iterdir()):
            return 400, _error("BAD_REQUEST", f"The directory {raw} is not empty.", details=[NOT_EMPTY])
        target.rmdir()
        return 204, None


def _entry(path: Path, shown: str) -> dict:
    if path.is_dir():
        return {"path": shown + "/", "is_directory": True, "name": path.name}
    stat = path.stat()
    return {
        "path": shown,
        "is_directory": False,
        "file_size": stat.st_size,
        "last_modified": int(stat.st_mtime * 1000),
        "name": path.name,
    }


def _file_headers(path: Path) -> dict:
    return {
        "Content-Type": "application/octet-stream",
        "Last-Modified": email.utils.formatdate(path.stat().st_mtime, usegmt=True),
    }


def _http_date(value: str | None) -> int | None:
    try:
        return int(email.utils.parsedate_to_datetime(value).timestamp()) if value else None
    except (TypeError, ValueError):
        return None


def _file_among_parents(target: Path, root: Path) -> Path | None:
    for parent in target.parents:
        if parent == root or not parent.is_relative_to(root):
            return None
        if parent.is_file():
            return parent
    return None


def _upload_in_progress(path: Path) -> bool:
    return path.name.startswith(".") and path.name.endswith(".upload")


def _offset(token: str | None) -> int:
    return int(base64.urlsafe_b64decode(token.encode()).decode()) if token else 0


def _byte_range(header: str | None, length: int) -> tuple[int, int] | None:
    """(first, last) byte of `Range: bytes=N-` or `bytes=N-M`; None for no (or an unusable) range."""
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first, _, last = header[len("bytes=") :].partition("-")
    if not first.isdigit() or int(first) >= max(length, 1):
        return None
    end = min(int(last), length - 1) if last.isdigit() else length - 1
    return int(first), end
