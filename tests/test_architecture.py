"""workorders is the core the other apps plug into: it names none of them, not even in strings or
templates (the import contract in pyproject.toml checks the imports; this checks the rest)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# URL names (dispatch:triage), imports and template paths of the other apps.
OTHER_APPS = re.compile(
    r"""['"](dispatch|evaluation|knowledge|analysis|demo):|\b(from|import)\s+(dispatch|evaluation|knowledge|analysis|demo)\b"""
    r"""|['"](dispatch|evaluation|knowledge|analysis)/[\w/]+\.html"""
)


def _files():
    yield from (ROOT / "workorders").rglob("*.py")
    yield from (ROOT / "templates" / "workorders").rglob("*.html")
    # The shared layout and partials render what the apps registered.
    yield from (ROOT / "templates").glob("*.html")


@pytest.mark.parametrize("path", sorted(_files()), ids=lambda path: str(path.relative_to(ROOT)))
def test_workorders_names_no_other_app(path):
    if "migrations" in path.parts:
        pytest.skip("migrations record history")
    found = [
        f"{number}: {line.strip()}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if OTHER_APPS.search(line)
    ]
    assert not found, "\n".join(found)
