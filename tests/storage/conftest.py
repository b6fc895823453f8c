"""The store under test, in memory and in a real file alike."""

from __future__ import annotations

import pytest

from bot.storage import Store

NOW = 1_700_000_000.0


@pytest.fixture(params=["memory", "file"])
def store(request, tmp_path):
    s = Store.memory() if request.param == "memory" else Store.open(tmp_path / "x.sqlite3")
    yield s
    s.close()
