from __future__ import annotations

import pytest

from tests.helpers import YIBIN


@pytest.fixture(scope="session")
def yibin_dir():
    return YIBIN
