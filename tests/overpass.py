"""A loopback Overpass API answering from an OSM file, so osmnx's real client code can be tested.

It understands what osmnx sends: ``/status`` (slots available), and ``/interpreter`` queries
made of ``(node|way|relation)[filters](poly:"lat lon ...")`` statements with ``>;`` or
``(._;>;);`` recursion. Filters are ``["k"]``, ``["k"="v"]``, ``["k"~"re"]`` and
``["k"!~"re"]``; an element matches when all hold and it lies in the polygon (a way: one of
its nodes; a relation: one of its ways' nodes). The answer holds the matches and, recursed,
their nodes and member ways, in Overpass JSON.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import osmium
import shapely

_STATEMENT = re.compile(r"(node|way|relation)((?:\[[^\]]*\])*)\(poly:(['\"])(.+?)\3\)")
_FILTER = re.compile(r"\[(['\"])(.+?)\1(?:(=|!=|~|!~)(['\"])(.*?)\4)?\]")
_STATUS = (
    "Connected as: 1\nCurrent time: 2026-12-01T00:00:00Z\nAnnounced endpoint: none\n"
    "Rate limit: 2\n2 slots available now.\nCurrently running queries (pid, space limit, "
    "time limit, start time):\n"
)


class OsmStore:
    """Every node, way and relation of an OSM file, in memory."""

    def __init__(self, path: Path) -> None:
        self.nodes: dict[int, tuple[float, float, dict[str, str]]] = {}
        self.ways: dict[int, tuple[list[int], dict[str, str]]] = {}
        self.relations: dict[int, tuple[list[tuple[str, int, str]], dict[str, str]]] = {}
        for obj in osmium.FileProcessor(str(path)):
            tags = dict(obj.tags)
            if obj.is_node() and obj.location.valid():
                self.nodes[obj.id] = (obj.location.lon, obj.location.lat, tags)
            elif obj.is_way():
                self.ways[obj.id] = ([n.ref for n in obj.nodes], tags)
            elif obj.is_relation():
                members = [(m.type, m.ref, m.role) for m in obj.members]
                self.relations[obj.id] = (members, tags)
        self.queries: list[str] = []

    def _inside(self, kind: str, element_id: int, polygon: shapely.Polygon) -> bool:
        if kind == "node":
            lon, lat, _ = self.nodes[element_id]
            return polygon.contains(shapely.Point(lon, lat))
        if kind == "way":
            refs = [r for r in self.ways[element_id][0] if r in self.nodes]
            points = shapely.points([self.nodes[r][:2] for r in refs]) if refs else []
            return bool(len(points)) and bool(shapely.contains(polygon, points).any())
        members = self.relations[element_id][0]
        return any(t == "w" and r in self.ways and self._inside("way", r, polygon)
                   for t, r, _ in members)  # fmt: skip

    def answer(self, query: str) -> dict:
        """Evaluate an osmnx query; return Overpass JSON."""
        self.queries.append(query)
        found: dict[str, set[int]] = {"node": set(), "way": set(), "relation": set()}
        for kind, filters, _, coords in _STATEMENT.findall(query):
            numbers = [float(x) for x in coords.split()]
            polygon = shapely.Polygon(list(zip(numbers[1::2], numbers[0::2], strict=True)))
            table = {"node": self.nodes, "way": self.ways, "relation": self.relations}[kind]
            tests = _FILTER.findall(filters)
            for element_id, value in table.items():
                tags = value[-1]
                if all(_holds(tags, key, op, want) for _, key, op, _, want in tests) and (
                    self._inside(kind, element_id, polygon)
                ):
                    found[kind].add(element_id)
        for relation in list(found["relation"]):  # recurse: members, then the ways' nodes
            for t, ref, _ in self.relations[relation][0]:
                if t == "w" and ref in self.ways:
                    found["way"].add(ref)
                elif t == "n" and ref in self.nodes:
                    found["node"].add(ref)
        for way in found["way"]:
            found["node"].update(r for r in self.ways[way][0] if r in self.nodes)
        return {"version": 0.6, "generator": "tests.overpass", "elements": self._elements(found)}

    def _elements(self, found: dict[str, set[int]]) -> list[dict]:
        out = []
        for i in sorted(found["node"]):
            lon, lat, tags = self.nodes[i]
            out.append({"type": "node", "id": i, "lat": lat, "lon": lon, "tags": tags})
        for i in sorted(found["way"]):
            refs, tags = self.ways[i]
            refs = [r for r in refs if r in self.nodes]
            out.append({"type": "way", "id": i, "nodes": refs, "tags": tags})
        for i in sorted(found["relation"]):
            members, tags = self.relations[i]
            listed = [{"type": {"n": "node", "w": "way", "r": "relation"}[t], "ref": r, "role": ro}
                      for t, r, ro in members]  # fmt: skip
            out.append({"type": "relation", "id": i, "members": listed, "tags": tags})
        return out


def _holds(tags: dict[str, str], key: str, op: str, want: str) -> bool:
    value = tags.get(key)
    if op == "":
        return value is not None
    if op == "=":
        return value == want
    if op == "!=":
        return value != want
    if op == "~":
        return value is not None and re.search(want, value) is not None
    return value is None or re.search(want, value) is None  # !~


def serve_overpass(path: Path) -> tuple[ThreadingHTTPServer, OsmStore]:
    """Start the server on a free loopback port; return it and its store (queries logged)."""
    store = OsmStore(path)

    class Handler(BaseHTTPRequestHandler):
        def _send(self, body: bytes, kind: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("/status"):
                self._send(_STATUS.encode(), "text/plain")
            else:
                self.send_error(404)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            form = parse_qs(self.rfile.read(length).decode())
            body = json.dumps(store.answer(form["data"][0])).encode()
            self._send(body, "application/json")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, store
