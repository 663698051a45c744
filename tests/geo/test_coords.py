"""GCJ-02 / BD-09 against an independent implementation (prcoords) and round trips."""

from __future__ import annotations

import numpy as np
import prcoords
import pyproj
import pytest

from geo import coords

GEOD = pyproj.Geod(ellps="WGS84")
# A grid over China: 73-135 E, 18-53 N, every ~1 degree (2,300 points).
LON, LAT = (
    a.ravel() for a in np.meshgrid(np.arange(73.3, 135.0, 1.07), np.arange(18.2, 53.6, 0.93))
)


def _metres(lon1, lat1, lon2, lat2):
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


def test_wgs_to_gcj_matches_reference():
    ours = coords.wgs84_to_gcj02(LON, LAT)
    ref = np.array(
        [prcoords.wgs_gcj(prcoords.Coords(la, lo)) for lo, la in zip(LON, LAT, strict=True)]
    )
    assert _metres(ours[0], ours[1], ref[:, 1], ref[:, 0]).max() < 1e-3
    # and the offset is real: hundreds of metres
    assert np.median(_metres(LON, LAT, ours[0], ours[1])) > 100


def test_gcj_to_wgs_matches_reference_and_round_trips():
    gcj_lon, gcj_lat = coords.wgs84_to_gcj02(LON, LAT)
    back = coords.gcj02_to_wgs84(gcj_lon, gcj_lat)
    ref = np.array(
        [
            prcoords.gcj_wgs_bored(prcoords.Coords(la, lo))
            for lo, la in zip(gcj_lon, gcj_lat, strict=True)
        ]
    )
    assert _metres(back[0], back[1], LON, LAT).max() < 0.5
    assert _metres(back[0], back[1], ref[:, 1], ref[:, 0]).max() < 0.5


def test_bd09_matches_reference_and_round_trips():
    bd_lon, bd_lat = coords.wgs84_to_bd09(LON, LAT)
    ref = np.array(
        [prcoords.wgs_bd(prcoords.Coords(la, lo)) for lo, la in zip(LON, LAT, strict=True)]
    )
    assert _metres(bd_lon, bd_lat, ref[:, 1], ref[:, 0]).max() < 1e-3
    back = coords.bd09_to_wgs84(bd_lon, bd_lat)
    assert _metres(back[0], back[1], LON, LAT).max() < 0.5
    gcj = coords.bd09_to_gcj02(*coords.gcj02_to_bd09(LON, LAT))
    assert _metres(gcj[0], gcj[1], LON, LAT).max() < 0.5


def test_identity_outside_china():
    lon = np.array([2.35, -74.0, 139.7, 151.2])
    lat = np.array([48.85, 40.7, 35.7, -33.9])
    for forward in (coords.wgs84_to_gcj02, coords.wgs84_to_bd09, coords.gcj02_to_wgs84):
        x, y = forward(lon, lat)
        np.testing.assert_array_equal(x, lon)
        np.testing.assert_array_equal(y, lat)


def test_epsg_codes_through_pyproj():
    # UTM 48N false origin on the equator at the central meridian 105 E, by definition.
    x, y = coords.to_wgs84(np.array([500000.0]), np.array([0.0]), "EPSG:32648")
    assert x[0] == pytest.approx(105.0)
    assert y[0] == pytest.approx(0.0, abs=1e-9)
    assert coords.normalise_coords_name(4490) == "EPSG:4490"
    assert coords.normalise_coords_name("GCJ-02") == "gcj02"
    with pytest.raises(ValueError, match="unknown coordinate system"):
        coords.normalise_coords_name("mars")


def test_local_projected_crs():
    assert coords.local_projected_crs((103.2, 27.3, 105.7, 29.6)).to_epsg() == 32648
    national = coords.local_projected_crs((73.5, 18.2, 134.8, 53.5))
    assert national.is_projected
    assert "Lambert Conic Conformal" in national.coordinate_operation.method_name
