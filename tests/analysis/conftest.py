"""Fixtures of the analysis tests; the personas and the city are in tests/conftest.py."""

from tests.test_browser import browser  # noqa: F401 - the Chromium fixture, for test_browser.py
