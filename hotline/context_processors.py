from workorders.access import role_of, unit_of
from workorders.registry import navigation_for


def roles(request):
    """The signed-in person's role and unit, and the menu the apps registered for that role."""
    user = getattr(request, "user", None)
    role = role_of(user)
    path = getattr(request, "path", "")
    menu = [
        {
            "url": entry.url(),
            "label": entry.label,
            "current": entry.current(path),
            "badge": entry.badge(user) if entry.badge else None,
        }
        for entry in navigation_for(role=role, user=user)
    ]
    return {"current_role": role, "current_unit": unit_of(user), "navigation": menu}
