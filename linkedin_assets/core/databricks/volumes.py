"""Landing volumes seen from the Dagster process, through the SDK's Files API.

The arrival sensors list `/Volumes/<landing>/linkedin/<volume>/pending/` with this,
exactly as they list local folders with `Landing`; the notebooks move files between
pending/, processed/ and errors/ through the /Volumes mount with `Landing` itself.
A file the sensor refuses (its dates out of range) moves to errors/ here: the Files
API has no rename, so it is copied, given its `.error.txt`, then deleted.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path, PurePath, PurePosixPath

from linkedin_assets.core.databricks.secrets import token_masked
from linkedin_assets.core.landing import (
    ERROR_NOTE_SUFFIX,
    LandedFile,
    error_note,
    is_export_name,
    landing_folder,
    note_reason,
)


class VolumeLanding:
    def __init__(self, client, root: str):
        self.client = client
        self.root = PurePosixPath(root)  # /Volumes/<landing catalog>/<schema>

    def folder(self, volume: str, state: str) -> PurePosixPath:
        return landing_folder(self.root, volume, state)

    def files(self, volume: str, state: str = "pending") -> list[LandedFile]:
        """Complete export files in a volume folder, oldest upload first (a missing folder has none)."""
        from databricks.sdk.errors import NotFound

        try:
            with token_masked(self.client):
                entries = list(self.client.files.list_directory_contents(str(self.folder(volume, state))))
        except NotFound:
            return []
        found = []
        for entry in entries:
            name = entry.name or PurePosixPath(entry.path).name
            if entry.is_directory or not is_export_name(name):
                continue
            # The API gives milliseconds; identity only needs to be stable between ticks.
            found.append(
                LandedFile(
                    volume, PurePosixPath(entry.path), entry.file_size or 0, (entry.last_modified or 0) * 1_000_000
                )
            )
        return sorted(found, key=lambda f: (f.mtime_ns, f.name))

    def _read(self, path: PurePath) -> bytes:
        with token_masked(self.client):
            return self.client.files.download(str(path)).contents.read()

    def exists(self, path: PurePosixPath) -> bool:
        """Whether a file is at `path` on the volumes."""
        from databricks.sdk.errors import NotFound

        try:
            with token_masked(self.client):
                self.client.files.get_metadata(str(path))
            return True
        except NotFound:
            return False

    def readable(self, file: LandedFile) -> Path:
        """A local copy of a volume file, for the sensor to read a post export's as-of date."""
        cache = Path(tempfile.gettempdir()) / "linkedin-volume-cache" / file.run_key
        local = cache / file.name
        if not local.exists():
            cache.mkdir(parents=True, exist_ok=True)
            partial = local.with_name(local.name + ".part")
            partial.write_bytes(self._read(file.path))
            partial.replace(local)
        return local

    def mark_error(self, file: LandedFile, reason: str) -> PurePosixPath:
        folder = self.folder(file.volume, "errors")
        target = folder / file.name
        if self.exists(target):
            target = folder / f"{file.path.stem}.{file.mtime_ns}{file.path.suffix}"
        files = self.client.files
        content = self._read(file.path)
        with token_masked(self.client):
            files.upload(str(target), io.BytesIO(content), overwrite=True)
            note = error_note(file.name, reason).encode()
            files.upload(str(target) + ERROR_NOTE_SUFFIX, io.BytesIO(note), overwrite=True)
            files.delete(str(file.path))
        return target

    def error_reason(self, name: str, volume: str) -> str | None:
        note = self.folder(volume, "errors") / (name + ERROR_NOTE_SUFFIX)
        if not self.exists(note):
            return None
        return note_reason(self._read(note).decode("utf-8"))
