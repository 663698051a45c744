from __future__ import annotations

import pytest

from tests.helpers import YIBIN


@pytest.fixture(scope="session")
def yibin_dir():
    return YIBIN


@pytest.fixture(scope="session")
def api_server(tmp_path_factory):
    """The real API server, token set, uploads up to 2 MB, the bundled Yibin analysed."""
    from tests.serving import start_server

    server = start_server(tmp_path_factory.mktemp("server") / "home", TIA_MAX_UPLOAD_MB="2")
    try:
        server.wait_dataset("yibin")
        yield server
    finally:
        server.stop()
