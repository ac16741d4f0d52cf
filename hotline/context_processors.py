from workorders.access import role_of, unit_of


def roles(request):
    """The signed-in person's role and unit, for navigation."""
    user = getattr(request, "user", None)
    return {"current_role": role_of(user), "current_unit": unit_of(user)}
