from django.conf import settings
from django.utils import translation


class UserLanguageMiddleware:
    """A logged-in person's preferred language wins over the browser's (which LocaleMiddleware used).

    It is also kept in the language cookie, so the pages seen signed out (the sign-in page after
    "Sign out", an unsubscribe link) stay in that language instead of the browser's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.language
            and user.language != request.LANGUAGE_CODE
        ):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        response = self.get_response(request)
        user = getattr(request, "user", None)  # who the view signed in, or kept signed in
        if (
            user is not None
            and user.is_authenticated
            and user.language
            and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != user.language
        ):
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                user.language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
                secure=settings.LANGUAGE_COOKIE_SECURE or getattr(settings, "SESSION_COOKIE_SECURE", False),
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            )
        return response
