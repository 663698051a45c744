"""Leaflet and its plugins from the npm packages in ``maps/web`` instead of CDNs.

folium writes ``<script src=https://cdn...>`` and ``<link href=https://cdn...>`` tags. A map
must draw with no internet, so every such tag is replaced: inlined (the standalone
``map.html``, with the images a stylesheet refers to turned into data URIs) or pointed at the
API's ``/static`` route. A CDN address with no local copy is an error, never a silent request.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["ASSETS", "MapAssetError", "asset_root", "inline_assets", "static_assets", "static_file"]

WEB = Path(__file__).with_name("web")

# the last part of a CDN address folium (or our own elements) uses -> file under node_modules
ASSETS: dict[str, str] = {
    "leaflet.js": "leaflet/dist/leaflet.js",
    "leaflet.css": "leaflet/dist/leaflet.css",
    "leaflet.markercluster.js": "leaflet.markercluster/dist/leaflet.markercluster.js",
    "MarkerCluster.css": "leaflet.markercluster/dist/MarkerCluster.css",
    "MarkerCluster.Default.css": "leaflet.markercluster/dist/MarkerCluster.Default.css",
    "Control.FullScreen.min.js": "leaflet.fullscreen/Control.FullScreen.js",
    "Control.FullScreen.css": "leaflet.fullscreen/Control.FullScreen.css",
    "leaflet-measure.min.js": "leaflet-measure/dist/leaflet-measure.js",
    "leaflet-measure.min.css": "leaflet-measure/dist/leaflet-measure.css",
    "Control.MiniMap.js": "leaflet-minimap/dist/Control.MiniMap.min.js",
    "Control.MiniMap.css": "leaflet-minimap/dist/Control.MiniMap.min.css",
    "leaflet-search.min.js": "leaflet-search/dist/leaflet-search.min.js",
    "leaflet-search.min.css": "leaflet-search/dist/leaflet-search.min.css",
    # Swagger UI of the API's /docs
    "swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
    "favicon-32x32.png": "swagger-ui-dist/favicon-32x32.png",
}

_TAG = re.compile(
    r'<script src="(?P<js>https?://[^"]+)"></script>'
    r'|<link rel="stylesheet" href="(?P<css>https?://[^"]+)"\s*/?>'
)
_CSS_URL = re.compile(r"""url\((['"]?)(?!data:|#|https?:)([^'")]+)\1\)""")


class MapAssetError(RuntimeError):
    """A map needs a file that is not installed (or an address with no local copy)."""


def asset_root() -> Path:
    """Return the ``node_modules`` folder holding the map assets.

    Raises
    ------
    MapAssetError
        When the npm packages are not installed.
    """
    root = WEB / "node_modules"
    if not (root / ASSETS["leaflet.js"]).is_file():
        msg = f"map assets are not installed in {root}; run `make install` (npm ci in maps/web)"
        raise MapAssetError(msg)
    return root


def _local(url: str) -> str:
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    if name not in ASSETS:
        msg = f"the map asks for {url}, which has no local copy in maps/assets.py; add one"
        raise MapAssetError(msg)
    return ASSETS[name]


@cache
def _inline_css(relative: str) -> str:
    path = asset_root() / relative

    def data_uri(match: re.Match[str]) -> str:
        target = (path.parent / match.group(2)).resolve()
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        encoded = base64.b64encode(target.read_bytes()).decode("ascii")
        return f"url(data:{kind};base64,{encoded})"

    return _CSS_URL.sub(data_uri, path.read_text(encoding="utf-8"))


@cache
def _inline_js(relative: str) -> str:
    text = (asset_root() / relative).read_text(encoding="utf-8")
    return text.replace("</script", "<\\/script")


def inline_assets(html: str) -> str:
    """Replace every CDN script and stylesheet tag by the local file's content.

    Parameters
    ----------
    html
        A rendered folium page.

    Returns
    -------
    str
        The page with scripts and styles inlined (images as data URIs): it needs no network.
    """

    def inline(match: re.Match[str]) -> str:
        if match.group("js"):
            return f"<script>{_inline_js(_local(match.group('js')))}</script>"
        return f"<style>{_inline_css(_local(match.group('css')))}</style>"

    return _TAG.sub(inline, html)


def static_assets(html: str, prefix: str = "/static") -> str:
    """Point every CDN script and stylesheet tag at ``prefix`` (the API's static route).

    Parameters
    ----------
    html
        A rendered folium page.
    prefix
        URL path under which :func:`static_file` serves the assets.

    Returns
    -------
    str
        The page with local asset addresses.
    """

    def local(match: re.Match[str]) -> str:
        url = match.group("js") or match.group("css")
        href = f"{prefix.rstrip('/')}/{_local(url)}"
        if match.group("js"):
            return f'<script src="{href}"></script>'
        return f'<link rel="stylesheet" href="{href}"/>'

    return _TAG.sub(local, html)


@cache
def _servable() -> frozenset[str]:
    files = set(ASSETS.values())
    for relative in ASSETS.values():
        if relative.endswith(".css"):
            text = (asset_root() / relative).read_text(encoding="utf-8")
            for match in _CSS_URL.finditer(text):
                target = (asset_root() / relative).parent / match.group(2)
                files.add(target.resolve().relative_to(asset_root().resolve()).as_posix())
    return frozenset(files)


def static_file(relative: str) -> Path | None:
    """Return the file behind ``/static/<relative>``, or None when it is not a map asset.

    Only the files listed in :data:`ASSETS` and the images their stylesheets use are served;
    no request value becomes a path otherwise.
    """
    if relative not in _servable():
        return None
    return asset_root() / relative
