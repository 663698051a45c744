"""The archive checks on their own, with small limits (the server tests use the defaults)."""

from __future__ import annotations

import io
import zipfile

import pytest

from api.archive import ArchiveError, ArchiveLimits, extract_dataset


def _zip(members: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


def test_single_top_folder_is_the_dataset(tmp_path):
    root = extract_dataset(_zip({"top/dataset.toml": b"x", "top/a/b.csv": b"1"}), tmp_path / "t")
    assert root == tmp_path / "t" / "top"
    assert (root / "a" / "b.csv").read_bytes() == b"1"


@pytest.mark.parametrize(
    ("members", "limits", "words"),
    [
        ({"a.csv": b"1" * 5000}, ArchiveLimits(max_total_bytes=4000), "expands to"),
        ({"a.csv": b"", "b.csv": b"", "c.csv": b""}, ArchiveLimits(max_members=2), "3 members"),
        ({"a.csv": b"\0" * 3_000_000}, ArchiveLimits(max_ratio=50), "zip bomb"),
        ({"C:/a.csv": b"1"}, ArchiveLimits(), "outside"),
        ({"a/../../b.csv": b"1"}, ArchiveLimits(), "outside"),
        ({"a.exe": b"1"}, ArchiveLimits(), "not a dataset file type"),
        # many members, each under 1 MiB: the archive as a whole is the bomb
        ({f"z{i}.csv": b"\0" * 1_000_000 for i in range(40)}, ArchiveLimits(), "expands"),
        ({"a" * 256 + ".csv": b"1"}, ArchiveLimits(), "longer than 255 bytes"),
        ({"d.csv": b"1", "d.csv/e.csv": b"2"}, ArchiveLimits(), "both a file and a folder"),
    ],
)
def test_rules_refuse_before_writing(tmp_path, members, limits, words):
    target = tmp_path / "t"
    with pytest.raises(ArchiveError, match=words):
        extract_dataset(_zip(members), target, limits)
    assert not target.exists()


def test_member_larger_than_declared_is_refused(tmp_path):
    data = _zip({"a.csv": b"1" * 10_000}).getvalue()
    # shrink the declared size in the central directory (and the local header) to 100 bytes
    lying = data.replace((10_000).to_bytes(4, "little"), (100).to_bytes(4, "little"))
    target = tmp_path / "t"
    with pytest.raises(ArchiveError):
        extract_dataset(io.BytesIO(lying), target)
    assert not target.exists()
