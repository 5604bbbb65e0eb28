"""Cross-cutting HTTP middleware: request ids for the logs, and the Content-Security-Policy."""

import secrets
import uuid
from urllib.parse import urlparse

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

from config.logging import request_id_var


class RequestIdMiddleware:
    """Tags each request with an id (the proxy's ``X-Request-ID`` when it sends a sane one)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if incoming.isascii() and 8 <= len(incoming) <= 64 else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


class ContentSecurityPolicyMiddleware:
    """A strict CSP: scripts only from our origin or carrying this response's nonce.

    Templates put ``nonce="{{ request.csp_nonce }}"`` on the rare inline script they need.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def _form_action() -> str:
        """'self' plus the SSO providers' origins: allauth's "Continue" form redirects to them.

        Read at each request from the configured provider apps (cheap), so it always matches them.
        """
        sources = ["'self'"]
        providers = getattr(settings, "SOCIALACCOUNT_PROVIDERS", {}) or {}
        for provider in providers.values():
            for app in provider.get("APPS", []):
                url = (app.get("settings") or {}).get("server_url")
                if url:
                    origin = urlparse(url)
                    source = f"{origin.scheme}://{origin.netloc}"
                    if source not in sources:
                        sources.append(source)
        return " ".join(sources)

    def __call__(self, request):
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = (
                "default-src 'self'; "
                f"script-src 'self' 'nonce-{nonce}'; "
                "style-src 'self'; "
                "img-src 'self' data: blob:; "
                "font-src 'self'; "
                "connect-src 'self' ws: wss:; "
                "object-src 'none'; "
                "base-uri 'self'; "
                f"form-action {self._form_action()}; "
                "frame-ancestors 'none'; "
                "worker-src 'self'; "
                "manifest-src 'self'"
            )
        return response


class NullCharacterMiddleware:
    """Answers 400 to an address holding a NUL character (``%00``), in the path or the query, and
    to a page's form whose fields hold one.

    No page or filter of ours means anything with it, and PostgreSQL refuses it in any text, so a
    query parameter read as it is (a title being typed, a state filter) would otherwise end as a
    server error (found by schemathesis on /api/v1/ideas/similar/). So would a field that a view
    reads without a Django form (a report's reason, a reassignment's e-mail, the experts' list:
    found on PostgreSQL by tests/security/test_fuzz_routes.py). The API's fields refuse it
    already, in their own error format; uploaded files are not fields (their bytes are theirs)."""

    FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "%00" in request.META.get("QUERY_STRING", "") or "\x00" in request.path:
            message = _("The address contains a null character (%00): remove it and try again.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        if (
            request.method == "POST"
            and not request.path.startswith("/api/")
            and request.content_type in self.FORMS
            and any(
                "\x00" in key or "\x00" in value for key, values in request.POST.lists() for value in values
            )
        ):
            message = _("The form contains a null character: remove it and send it again.")
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class AdminEmptyToFieldMiddleware:
    """Answers 400 to an admin page asked for an empty ``_to_field`` (``?_to_field=``).

    Django's change and delete views skip their check of that parameter when it is empty, then
    look the object up by a field named "": FieldDoesNotExist, a server error on every model's
    pages (Django 5.2; found by tests/security/test_fuzz_routes.py). A named field that may not be
    referenced is already refused with 400 by Django: an empty name is refused the same way."""

    FIELD = "_to_field"  # django.contrib.admin.options.TO_FIELD_VAR

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.urls import reverse

        if request.path.startswith(reverse("admin:index")):
            given = [request.GET.get(self.FIELD)]
            if request.method == "POST":
                given.append(request.POST.get(self.FIELD))
            if any(value is not None and not value.strip() for value in given):
                return HttpResponseBadRequest(
                    _("This admin page cannot look an object up by an empty field name."),
                    content_type="text/plain; charset=utf-8",
                )
        return self.get_response(request)
