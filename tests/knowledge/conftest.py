import pytest

from knowledge import search


@pytest.fixture(autouse=True)
def _fresh_index():
    # Each test has its own database; a process-wide index from another test must not answer.
    search.reset()
    yield
    search.reset()
