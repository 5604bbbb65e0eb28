from django.utils import translation


class UserLanguageMiddleware:
    """A logged-in person's preferred language wins over the browser's (which LocaleMiddleware used)."""

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
        return response
