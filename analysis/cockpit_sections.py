"""The cockpit's plug-in point: each part of the analysis app (hotspots, proactive work, the
monthly topic) registers the section it shows on the leaders' cockpit, so the cockpit page does
not need to know them.

A section is a template rendered with the dict its ``context`` function returns for the request's
user and the cockpit's period, or left out when the function returns None.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CockpitSection:
    name: str
    template: str
    # context(user, period) -> dict | None; ``period`` is whatever the cockpit passes (its
    # selected start/end dates), documented on the cockpit view.
    context: Callable[..., dict | None]
    order: int = 100


_SECTIONS: dict[str, CockpitSection] = {}


def register_cockpit_sections(*sections: CockpitSection) -> None:
    for section in sections:
        _SECTIONS[section.name] = section


def cockpit_sections() -> list[CockpitSection]:
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.name))
