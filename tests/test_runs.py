"""Whole runs of the CLI: reproducible outputs, interrupted and killed runs, script logging."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from tests.helpers import TIA, YIBIN, bundled_site_count, tia

VOLATILE_RUN_KEYS = {"started", "finished", "timings_s"}


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _waiting_dataset(tmp_path: Path) -> Path:
    """The Yibin dataset with its sites file as a named pipe: the run waits on every read.

    A run cannot get past a read of the pipe until the test writes to it, so a test can stop
    or kill a run at a known point without racing against it.
    """
    folder = tmp_path / "waiting"
    shutil.copytree(YIBIN, folder)
    (folder / "sites.csv").unlink()
    os.mkfifo(folder / "sites.csv")
    return folder


def _feed(pipe: Path) -> None:
    """Answer one read of the pipe with the real sites file."""
    with pipe.open("wb") as writer:  # blocks until the run opens the pipe
        writer.write((YIBIN / "sites.csv").read_bytes())


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "yibin"
    run = tia("analyze", YIBIN, "--out", out, "-q")
    assert run.code == 0, run.stderr
    return out


def test_same_inputs_same_outputs(first_run, tmp_path):
    second = tmp_path / "again"
    assert tia("analyze", YIBIN, "--out", second, "-q").code == 0
    a, b = _digest(first_run), _digest(second)
    assert a.keys() == b.keys()
    differing = {name for name in a if a[name] != b[name]}
    # only files that hold a timestamp may differ, and only there
    assert differing <= {"run.json", "results.gpkg", "report.html"}
    one, two = (json.loads((f / "run.json").read_text()) for f in (first_run, second))
    for key in VOLATILE_RUN_KEYS:
        one.pop(key), two.pop(key)
    assert one == two  # checksums, parameters, versions, counts, warnings, outputs
    for layer, _ in pyogrio.list_layers(first_run / "results.gpkg"):
        left = pyogrio.read_dataframe(first_run / "results.gpkg", layer=layer)
        right = pyogrio.read_dataframe(second / "results.gpkg", layer=layer)
        pd.testing.assert_frame_equal(left, right, check_exact=True)
    stamp = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC")
    reports = [stamp.sub("", (f / "report.html").read_text()) for f in (first_run, second)]
    assert reports[0] == reports[1]


def _start(dataset: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(TIA), "analyze", str(dataset), "--out", str(out), "--json-log"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )


def _wait_for_stage(process: subprocess.Popen, stage: str) -> None:
    for line in process.stderr:
        if json.loads(line).get("stage") == stage:
            return
    pytest.fail(f"the run ended before stage {stage!r}")


def _copy_of(first_run: Path, target: Path) -> dict[str, str]:
    shutil.copytree(first_run, target)
    return _digest(target)


def test_stopped_run_keeps_previous_results_and_says_where_the_log_is(first_run, tmp_path):
    dataset = _waiting_dataset(tmp_path)
    out = tmp_path / "yibin"
    before = _copy_of(first_run, out)
    process = _start(dataset, out)
    _wait_for_stage(process, "load sites")  # the run now waits for the pipe: it cannot end
    process.send_signal(signal.SIGTERM)
    rest = process.stderr.read()
    assert process.wait(60) == 130
    error = json.loads(rest.strip().splitlines()[-1])
    assert error["event"] == "error"
    assert "was interrupted during 'load sites'" in error["message"]
    assert f"the previous results in {out} are untouched" in error["message"]
    log = Path(error["log"])
    assert log == tmp_path / "yibin.error.log"
    assert "KeyboardInterrupt" in log.read_text()
    assert _digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["waiting", "yibin", "yibin.error.log"]


def test_killed_run_keeps_previous_results_and_the_next_run_cleans_up(first_run, tmp_path):
    dataset = _waiting_dataset(tmp_path)
    out = tmp_path / "yibin"
    before = _copy_of(first_run, out)
    process = _start(dataset, out)
    _wait_for_stage(process, "load sites")
    _feed(dataset / "sites.csv")  # the run reads its sites and goes on
    _wait_for_stage(process, "write outputs")
    # run.json records the inputs' checksums, so the run reads the pipe again while its
    # staging folder is half written, and waits there until it is killed
    deadline = time.monotonic() + 300
    while not list(tmp_path.glob(".yibin.tmp-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(tmp_path.glob(".yibin.tmp-*")), "no staging folder seen"
    assert process.poll() is None
    os.kill(process.pid, signal.SIGKILL)
    process.wait(30)
    assert _digest(out) == before  # the half-written run never touched the results
    assert tia("analyze", YIBIN, "--out", out, "-q").code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["waiting", "yibin"]  # staging gone


def test_json_log_for_scripts(tmp_path):
    run = tia("analyze", YIBIN, "--out", tmp_path / "out", "--json-log")
    assert run.code == 0
    events = [json.loads(line) for line in run.stderr.splitlines()]
    stages = [e["stage"] for e in events if e["event"] == "stage"]
    assert stages[0] == "load sites"
    assert stages[-1] == "write outputs"
    assert "overlaps" in stages
    assert events[-1]["event"] == "done"
    assert events[-1]["counts"]["sites"] == bundled_site_count()
    assert run.stdout == ""


def test_out_must_be_a_folder(tmp_path):
    target = tmp_path / "results.txt"
    target.write_text("keep me")
    run = tia("analyze", YIBIN, "--out", target)
    assert run.code == 2
    assert "is a file; give a folder" in run.stderr
    assert target.read_text() == "keep me"


_BUSY = """
import itertools, sys, time
from tia.sigterm import stop_on_sigterm
with stop_on_sigterm(grace_s=float(sys.argv[2])):
    try:
        print("ready", flush=True)
        if sys.argv[1] == "in C":
            sum(itertools.repeat(1, 10**15))  # one C call that never checks for signals
        else:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        raise SystemExit(130) from None
"""


def _cpu_ticks(pid: int) -> int:
    """User and system CPU time of a process, in clock ticks (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


@pytest.mark.parametrize(
    ("where", "grace", "code", "said"),
    [("in C", "1", -signal.SIGKILL, ""), ("in Python", "120", 130, "interrupted")],
)
def test_sigterm_stops_a_run_even_in_c_code(tmp_path, where, grace, code, said):
    """In Python the run is interrupted and cleans up; in C the watchdog kills it."""
    script = tmp_path / "busy.py"
    script.write_text(_BUSY, encoding="utf-8")
    process = subprocess.Popen(
        [TIA.parent / "python", script, where, grace], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "ready"
    if where == "in C":  # wait until it is inside the C call: its CPU time has grown
        start = _cpu_ticks(process.pid)
        while _cpu_ticks(process.pid) < start + 20:
            time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    assert process.wait(300) == code
    assert process.stdout.read().strip() == said
    # the watchdog (argv: sigterm.py FD PID GRACE) ends with the run
    mine = ["pgrep", "-f", rf"sigterm\.py [0-9]+ {process.pid} "]
    for _ in range(600):
        if subprocess.run(mine, capture_output=True).returncode == 1:  # none found
            break
        time.sleep(0.1)
    assert subprocess.run(mine, capture_output=True).returncode == 1
