"""report.html of the bundled dataset in real headless Chromium, with no network."""

from __future__ import annotations

import re

import pyogrio

from tests.helpers import ROOT, tia

#: The page's text without formulas (``<code>``) and file paths, which are not sentences.
_READ = """() => {
  const copy = document.body.cloneNode(true);
  copy.querySelectorAll("code, script, style").forEach(e => e.remove());
  return copy.innerText;
}"""

SECTIONS = [
    "overview",
    "data_quality",
    "units",
    "overlaps",
    "clusters",
    "friction",
    "proposals",
    "balance",
    "linkage",
    "efficiency",
    "terrain",
    "swot",
    "methods",
]


def _open(watched, path):
    watched.page.goto(path.as_uri())
    watched.page.wait_for_load_state("load")


def test_report_opens_offline_with_every_section_and_figure(yibin_out, watched):
    _open(watched, yibin_out / "report.html")
    page = watched.page
    assert watched.blocked == []
    assert watched.errors == []
    for section in SECTIONS:
        assert page.locator(f"section#{section} h2").is_visible(), section
    sizes = page.evaluate("Array.from(document.images).map(i => [i.alt, i.naturalWidth])")
    assert {alt for alt, _ in sizes} == {
        "overview",
        "unit-pair matrix",
        "Lorenz curve",
        "cooperation network",
        "efficiency",
    }
    assert all(width > 100 for _, width in sizes), sizes
    text = page.text_content("body")
    # the bundled tourism statistics are illustrative: the report says so where they are used;
    # the populations are the census figures, so the linkage carries no such mark
    assert "示意性数值（非官方统计）" in page.text_content("section#data_quality")
    assert "示意性数值" in page.text_content("section#efficiency")
    assert "示意性数值" not in page.text_content("section#linkage")
    overlaps = page.text_content("section#overlaps")
    assert "互补资源对" in overlaps
    assert "跨界共有资源" in overlaps
    assert "蜀南竹海：长宁县、江安县" in overlaps
    assert "清单中没有 [dem]" in page.text_content("section#terrain")
    for words in ("蜀南竹海", "长宁县", "兴文县", "Gini", "reach_minutes"):
        assert words in text, words
    watched.screenshot("report_yibin_zh.png")
    page.screenshot(path=str(watched.screenshot("report_yibin_zh_full.png")), full_page=True)


def test_chinese_report_has_no_english_sentence(yibin_out, watched):
    _open(watched, yibin_out / "report.html")
    text = re.sub(r"\S*/\S*", " ", watched.page.evaluate(_READ))  # paths
    # three English words in a row make a phrase; codes and column names have _ or digits
    phrases = re.findall(r"\b[A-Za-z]+(?:[ ,;:-]+[A-Za-z]+){2,}\b", text)
    assert phrases == []


def test_english_report_has_no_chinese_but_names(tmp_path, watched):
    out = tmp_path / "en"
    run = tia("analyze", ROOT / "data" / "yibin", "--out", out, "-q", "--lang", "en")
    assert run.code == 0, run.stderr
    _open(watched, out / "report.html")
    text = watched.page.evaluate(_READ)
    names = set()
    for layer in ("sites", "units", "zones"):
        frame = pyogrio.read_dataframe(out / "results.gpkg", layer=layer, read_geometry=False)
        names |= set(frame["name"].dropna().astype(str))
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    assert re.findall(r".{0,20}[\u3400-\u9fff].{0,20}", text) == []
    headings = watched.page.eval_on_selector_all("h2", "els => els.map(e => e.textContent)")
    assert headings[:3] == ["Overview", "Data quality", "Units"]
    assert "Changning County" in watched.page.text_content("section#units")
    assert watched.errors == []
