"""Warnings and skip reasons: every note the code states has a sentence in both languages."""

from __future__ import annotations

import ast
import re
import string

from geo.diagnostics import Note, RunWarning
from geo.i18n import NOTES, note_record, say
from tests.helpers import ROOT


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _stated_codes() -> set[str]:
    """Codes passed as a literal to RunWarning(...) or Note(...) anywhere in geo/."""
    codes = set()
    for path in (ROOT / "geo").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) in ("RunWarning", "Note")
                and node.args
            ):
                first = node.args[0]
                if isinstance(first, ast.Constant):
                    codes.add(first.value)
                elif isinstance(first, ast.JoinedStr):  # f"{what}s_overlap": units and zones
                    tail = "".join(v.value for v in first.values if isinstance(v, ast.Constant))
                    codes |= {f"{what}{tail}" for what in ("unit", "zone")}
    return codes


def test_both_languages_say_the_same_facts():
    for code, (zh, en) in NOTES.items():
        assert _fields(zh) == _fields(en), code
        assert re.search(r"[\u3400-\u9fff]", zh), code


def test_every_stated_code_has_a_sentence():
    known = {key.split(":")[0] if not key.startswith("skip:") else key for key in NOTES}
    assert _stated_codes() - known == set()
    assert len(_stated_codes()) >= 25


def test_a_note_is_said_with_its_numbers_and_file():
    note = RunWarning("rows_without_coordinates", {"file": "sites.csv", "n": 2}, ["row 4"])
    assert say(note, "en") == "sites.csv: 2 rows without coordinates or geometry were skipped"
    assert say(note, "zh") == "sites.csv: 2 行没有坐标或几何，已跳过"
    assert note_record(note) == {
        "code": "rows_without_coordinates",
        "message": "sites.csv: 2 rows without coordinates or geometry were skipped",
        "facts": {"file": "sites.csv", "n": 2},
        "items": ["row 4"],
    }


def test_a_variant_picks_its_sentence():
    road = RunWarning("hdbscan_unweighted", {"variant": "road"})
    assert "road travel times" in say(road, "en")
    assert "道路行程时间" in say(road, "zh")
    assert say(Note("skip:no_part", {"part": "dem"}), "zh") == "清单中没有 [dem]"


def test_a_note_without_a_template_says_its_text():
    assert say(Note("toy_note", {"text": "a toy finding"}), "zh") == "a toy finding"
