from analytics.services import record_visit


class VisitMiddleware:
    """Counts a person as having used the product today (web or API)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and response.status_code < 400:
            record_visit(user_id=user.pk)
        return response
