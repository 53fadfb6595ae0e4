"""Outputs of one run staged beside their final places and moved in together, so a failure,
a cancel or a SIGTERM leaves none of them behind (and no half set of them)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


class OutputNotWritable(ValueError):
    """An output location cannot be written; raised before any computation."""


def file_mode() -> int:
    """0666 less the process umask: what ``open()`` would give a new file (``mkstemp``
    gives 0600, which hides outputs from the other users of a shared folder)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


class StagedOutputs:
    """Hidden staging folders, one per output folder, made (and so checked writable) before
    computing. ``path(final)`` gives where to write an output; ``commit()`` moves every
    staged output into place; ``discard()`` removes them and any folder this run created."""

    def __init__(self):
        self._staging: dict[Path, Path] = {}  # output folder -> its staging folder
        self._moves: list[tuple[Path, Path]] = []
        self._created: list[Path] = []  # output folders this run created, deepest last

    def reserve(self, final: str | os.PathLike, label: str) -> str:
        """Check that ``final`` can be written (its folder made if needed) and return the
        staged path to write it to; ``label`` names the output in the error."""
        final = Path(final).absolute()
        if final.is_dir():
            raise OutputNotWritable(f"{label}: {final} is a folder, not a file")
        staged = self._staging_for(final.parent, label) / final.name
        self._moves.append((staged, final))
        return str(staged)

    def reserve_folder(self, folder: str | os.PathLike, label: str) -> str:
        """Like ``reserve`` for an output folder whose files are written into the returned
        staging folder: each of them is moved into ``folder`` on commit."""
        folder = Path(folder).absolute()
        if folder.exists() and not folder.is_dir():
            raise OutputNotWritable(f"{label}: {folder} is a file, not a folder")
        staged = self._staging_for(folder, label)
        self._moves.append((staged, folder))
        return str(staged)

    def _staging_for(self, folder: Path, label: str) -> Path:
        if folder in self._staging:
            return self._staging[folder]
        missing = []
        probe = folder
        while not probe.exists():
            missing.append(probe)
            probe = probe.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self._created += reversed(missing)
            staging = Path(tempfile.mkdtemp(prefix=".unmix3d-staged-", dir=folder))
        except OSError as error:
            raise OutputNotWritable(
                f"{label}: cannot write into {folder} ({error.strerror or error})") from None
        self._staging[folder] = staging
        return staging

    def commit(self) -> None:
        """Move every staged output into place (files of a staged folder one by one)."""
        try:
            for staged, final in self._moves:
                if staged in self._staging.values():
                    for name in sorted(os.listdir(staged)):
                        if not any(s == staged / name for s, _ in self._moves):
                            os.replace(staged / name, final / name)
                elif staged.exists():
                    os.replace(staged, final)
        finally:
            self._remove_staging()
            self._created = []

    def discard(self) -> None:
        """Remove every staged output and every output folder this run created (if empty)."""
        self._remove_staging()
        for folder in reversed(self._created):
            try:
                folder.rmdir()
            except OSError:
                pass
        self._created = []

    def _remove_staging(self) -> None:
        for staging in self._staging.values():
            shutil.rmtree(staging, ignore_errors=True)
        self._staging = {}
