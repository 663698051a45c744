"""Safe extraction of an uploaded, zipped dataset folder.

Every member is checked before anything is written: paths must stay inside the target
(no absolute paths, ``..``, drive letters or links: zip-slip), the member count, the total
uncompressed size and each member's compression ratio are bounded (zip bombs), and only the
file types a dataset is made of are accepted. While extracting, no member may write more bytes
than it declared. On any failure the target folder is removed.
"""

from __future__ import annotations

import shutil
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from geo.dataset import MANIFEST_NAME
from geo.sources.files import FILE_TYPES, SIDECAR_SUFFIXES

__all__ = ["ALLOWED_SUFFIXES", "ArchiveError", "ArchiveLimits", "extract_dataset"]

#: Name endings a dataset folder may contain: what the loaders read, and their sidecars.
ALLOWED_SUFFIXES = (
    *(suffix for suffixes in FILE_TYPES.values() for suffix in suffixes),
    *SIDECAR_SUFFIXES,
)


class ArchiveError(ValueError):
    """The upload is not an acceptable dataset archive (the message says why)."""


@dataclass(frozen=True)
class ArchiveLimits:
    """Bounds on what an archive may unpack to."""

    max_members: int = 2000
    max_total_bytes: int = 2 * 1024**3
    max_ratio: float = 200.0


def _member_path(info: zipfile.ZipInfo) -> PurePosixPath:
    """Check one member's name and type; return its relative path."""
    name = info.filename.replace("\\", "/")
    path = PurePosixPath(name)
    if name.startswith("/") or (path.parts and path.parts[0].endswith(":")) or ".." in path.parts:
        msg = f"archive member '{info.filename}' points outside the dataset folder; rebuild the zip"
        raise ArchiveError(msg)
    if any(len(part.encode("utf-8")) > 255 for part in path.parts):
        msg = (
            f"archive member '{info.filename[:80]}...' has a name longer than 255 bytes, "
            "which no file system stores; shorten it"
        )
        raise ArchiveError(msg)
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        msg = f"archive member '{info.filename}' is a symbolic link; zip the files themselves"
        raise ArchiveError(msg)
    if not info.is_dir() and not path.name.lower().endswith(ALLOWED_SUFFIXES):
        allowed = " ".join(ALLOWED_SUFFIXES)
        msg = f"archive member '{info.filename}' is not a dataset file type (allowed: {allowed})"
        raise ArchiveError(msg)
    return path


def _check(archive: zipfile.ZipFile, limits: ArchiveLimits) -> list[zipfile.ZipInfo]:
    members = archive.infolist()
    if len(members) > limits.max_members:
        msg = f"the archive has {len(members)} members; at most {limits.max_members} are accepted"
        raise ArchiveError(msg)
    total = packed = 0
    files: set[PurePosixPath] = set()
    folders: set[PurePosixPath] = set()
    for info in members:
        path = _member_path(info)
        (folders if info.is_dir() else files).add(path)
        folders.update(path.parents)
        total += info.file_size
        packed += info.compress_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024**2 and ratio > limits.max_ratio:
            msg = (
                f"archive member '{info.filename}' expands {ratio:.0f} times; "
                f"more than {limits.max_ratio:.0f} is refused as a zip bomb"
            )
            raise ArchiveError(msg)
    clash = sorted(files & folders)
    if clash:
        msg = f"archive member '{clash[0]}' is both a file and a folder; rebuild the zip"
        raise ArchiveError(msg)
    if total > 1024**2 and total / max(packed, 1) > limits.max_ratio:
        msg = (
            f"the archive expands {total / max(packed, 1):.0f} times ({total / 1024**2:.0f} MB "
            f"from {packed / 1024**2:.1f} MB); more than {limits.max_ratio:.0f} is refused as a "
            "zip bomb"
        )
        raise ArchiveError(msg)
    if total > limits.max_total_bytes:
        msg = (
            f"the archive expands to {total / 1024**2:.0f} MB; "
            f"at most {limits.max_total_bytes / 1024**2:.0f} MB are accepted"
        )
        raise ArchiveError(msg)
    files = [m for m in members if not m.is_dir()]
    if not files:
        raise ArchiveError("the archive is empty; zip the dataset folder")
    return files


def _dataset_root(target: Path) -> Path:
    """Find the folder holding the data: the archive's root, or its one top-level folder."""
    entries = [p for p in target.iterdir() if p.name != "__MACOSX"]
    if not (target / MANIFEST_NAME).exists() and len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return target


def extract_dataset(
    source: Path | BinaryIO, target: Path, limits: ArchiveLimits | None = None
) -> Path:
    """Check and extract a zipped dataset folder.

    Parameters
    ----------
    source
        The uploaded zip (a path or a seekable binary file).
    target
        Empty folder to extract into (created; removed again on failure).
    limits
        Member count, total size and ratio bounds (defaults of :class:`ArchiveLimits`).

    Returns
    -------
    pathlib.Path
        The dataset folder inside ``target`` (the archive's root or its single top folder).

    Raises
    ------
    ArchiveError
        Not a zip file, or a member breaks a rule; nothing is left in ``target``.
    """
    limits = limits or ArchiveLimits()
    try:
        with zipfile.ZipFile(source) as archive:
            files = _check(archive, limits)
            target.mkdir(parents=True, exist_ok=True)
            for info in files:
                dest = target.joinpath(*_member_path(info).parts)
                dest.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as src, dest.open("wb") as out:
                    written = 0
                    while chunk := src.read(1024 * 1024):
                        written += len(chunk)
                        if written > info.file_size:
                            msg = f"archive member '{info.filename}' is larger than it declares"
                            raise ArchiveError(msg)
                        out.write(chunk)
        return _dataset_root(target)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        shutil.rmtree(target, ignore_errors=True)
        raise ArchiveError(f"the upload is not a readable zip archive ({exc})") from None
    except (NotImplementedError, RuntimeError) as exc:  # encrypted, or an unknown compression
        shutil.rmtree(target, ignore_errors=True)
        msg = f"the archive cannot be unpacked ({exc}); zip it again without a password"
        raise ArchiveError(msg) from None
    except (ArchiveError, OSError):
        shutil.rmtree(target, ignore_errors=True)
        raise
