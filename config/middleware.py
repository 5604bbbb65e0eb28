"""Cross-cutting HTTP middleware: request ids for the logs, and the Content-Security-Policy."""

import secrets
import uuid
from urllib.parse import urlparse

from django.conf import settings

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
        form_action = ["'self'"]
        if settings.OIDC_ISSUER:
            issuer = urlparse(settings.OIDC_ISSUER)
            form_action.append(f"{issuer.scheme}://{issuer.netloc}")
        self.form_action = " ".join(form_action)

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
                f"form-action {self.form_action}; "
                "frame-ancestors 'none'; "
                "worker-src 'self'; "
                "manifest-src 'self'"
            )
        return response
