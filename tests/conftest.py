"""Fixtures shared by the browser tests (render, server page, reader workflow)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from reader_support import chromium_browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from chromium_browser()
