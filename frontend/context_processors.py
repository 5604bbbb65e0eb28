"""What the page shell needs on every page: navigation by role, and counts for the bell and queue."""

from django.utils.functional import SimpleLazyObject

from frontend.navigation import build_shell


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"shell": SimpleLazyObject(lambda: build_shell(request))}
