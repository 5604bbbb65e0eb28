"""The database is unreachable (restarting, failing over, out of connections): answer 503 with a
clear message and a Retry-After, never a 500 traceback page. Nothing here touches the database.

Two hooks, because Django turns an exception into a response at the layer where it happens: the
middleware catches what views raise (also with DEBUG on), ``server_error`` (``handler500``) catches
what middleware raises (the session or user lookup) when DEBUG is off."""

import logging
import sys

from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.defaults import server_error as django_server_error

logger = logging.getLogger("ideabox.errors")
RETRY_AFTER_SECONDS = 10
UNAVAILABLE = (OperationalError, InterfaceError)


def _is_unavailable(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, UNAVAILABLE):
            return True
        if isinstance(exc, DatabaseError):
            return False  # an integrity or programming error is a bug, not an outage
        exc = exc.__cause__ or exc.__context__
    return False


def database_unavailable(request) -> HttpResponse:
    for connection in connections.all(initialized_only=True):
        # Inside a transaction its owner decides (and tests run in one); otherwise a broken
        # connection is dropped now so that the next request opens a fresh one.
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()
    message = _(
        "Ideabox cannot reach its database for a moment. What you just sent may not have been saved: "
        "please check in a minute before sending it again."
    )
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse({"detail": message, "code": "database_unavailable"}, status=503)
    else:
        title = _("Ideabox is briefly unavailable")
        response = HttpResponse(
            '<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<title>{title}</title></head><body style="font-family:sans-serif;max-width:40rem;'
            'margin:3rem auto;padding:0 1rem"><h1>{title}</h1><p>{message}</p></body></html>'.format(
                lang=escape(getattr(request, "LANGUAGE_CODE", "en")),
                title=escape(title),
                message=escape(message),
            ),
            status=503,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if _is_unavailable(exception):
            logger.error("database unavailable during %s %s: %s", request.method, request.path, exception)
            return database_unavailable(request)
        return None


def server_error(request, *args, **kwargs):
    if _is_unavailable(sys.exc_info()[1]):
        logger.error("database unavailable during %s %s", request.method, request.path)
        return database_unavailable(request)
    return django_server_error(request, *args, **kwargs)


@csrf_exempt  # it changes nothing, and a write without its slash is told where to go, not "CSRF"
def api_not_found(request, path=""):
    """Any address under /api/v1/ that is no endpoint: a JSON 404 like the API's others, where
    Django's HTML page answered (schemathesis: /api/v1/ideas/1e-07/ is none of the routes). An
    endpoint's address without its final slash is redirected for a read, as APPEND_SLASH did; a
    write is told the right address, as a redirect would lose its body (and with DEBUG on,
    APPEND_SLASH failed it with a server error)."""
    from django.http import HttpResponsePermanentRedirect
    from django.urls import Resolver404, resolve

    if not request.path_info.endswith("/"):
        try:
            match = resolve(request.path_info + "/")
        except Resolver404:
            match = None
        if match is not None and match.url_name != "api-not-found":
            if request.method in ("GET", "HEAD"):
                query = request.META.get("QUERY_STRING", "")
                return HttpResponsePermanentRedirect(request.path + "/" + (f"?{query}" if query else ""))
            detail = _("This address of the API ends with a slash: %(path)s") % {"path": request.path + "/"}
            return JsonResponse({"detail": detail}, status=404)
    return JsonResponse({"detail": _("No such address in the API.")}, status=404)
