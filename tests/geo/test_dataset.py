from __future__ import annotations

import pytest

from geo.dataset import load_dataset
from geo.errors import DatasetError
from tests.helpers import YIBIN, write_manifest


def test_bundled_manifest():
    ds = load_dataset(YIBIN)
    assert ds.slug == "yibin"
    assert ds.sites.path == YIBIN / "sites.csv"
    assert ds.sites.path.is_absolute()
    assert ds.units.id == "adcode"
    assert ds.sites.coords == "wgs84"
    assert ds.params.border_tolerance_m == 100.0
    assert set(ds.parts()) == {
        "sites",
        "sites.2",
        "units",
        "markets",
        "zones",
        "roads",
        "hubs",
        "stats",
    }
    assert ds.more_sites[0].coords == "gcj02"  # the Shunan points as published
    assert ds.units.levels == ["province", "prefecture"]


def test_paths_relative_to_manifest_params_and_coords(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "s.csv").write_text("x")
    (tmp_path / "u.geojson").write_text("x")
    folder = write_manifest(
        tmp_path / "m",
        'name = "n"\n[sites]\npath = "../data/s.csv"\ncoords = "BD-09"\nlon = "经度"\n'
        '[units]\npath = "../u.geojson"\nid = "code"\nname = "nm"\ncoords = 4490\n'
        "[params]\nborder_tolerance_m = 250\n",
    )
    ds = load_dataset(folder / "dataset.toml")
    assert ds.sites.path == (tmp_path / "data" / "s.csv").resolve()
    assert ds.sites.coords == "bd09"
    assert ds.sites.lon == "经度"
    assert ds.units.coords == "EPSG:4490"
    assert ds.params.border_tolerance_m == 250


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            'name = "n"\n[sites]\npath = "s.csv"\ncoords = "mars"\n',
            "key 'coords' in \\[sites\\] is invalid.*unknown coordinate system 'mars'",
        ),
        ('name = "n"\n[sites]\npath = 3\n', "key 'path' in \\[sites\\] is invalid"),
        ('name = "n"\n[sites\n', "not valid TOML"),
        ('[sites]\npath = "s.csv"\n', "required key 'name' is missing|required section \\[name\\]"),
        ('name = "n"\nroot = "/etc"\n', "unknown key 'root'"),
    ],
)
def test_manifest_errors_name_the_key(tmp_path, body, message):
    write_manifest(tmp_path, body)
    with pytest.raises(DatasetError, match=message):
        load_dataset(tmp_path)
