"""Every hostile dataset of the corpus: exit 2, one sentence, no traceback, nothing written."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from tests.helpers import YIBIN, tia, yibin_copy
from tests.hostile import CASES


def _digest(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def previous(tmp_path_factory):
    """Results of a good run, which every refused run must leave as they were."""
    out = tmp_path_factory.mktemp("previous") / "out"
    run = tia("analyze", YIBIN, "--out", out, "-q")
    assert run.code == 0, run.stderr
    return out


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_dataset_is_refused_with_one_sentence(case, previous, tmp_path):
    change, phrase = CASES[case]
    folder = yibin_copy(tmp_path)
    change(folder)
    out = tmp_path / "out"
    shutil.copytree(previous, out)
    before = _digest(out)
    run = tia("analyze", folder, "--out", out, "-q")
    assert run.code == 2, (run.code, run.stderr[-2000:])
    assert "Traceback" not in run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    assert phrase in lines[0], lines[0]
    assert _digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "yibin"]  # no stray files
