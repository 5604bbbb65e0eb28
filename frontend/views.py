import hashlib

from django.conf import settings
from django.http import HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control


def home(request):
    context = {"objective": settings.IDEABOX_OBJECTIVE}
    if request.user.is_authenticated:
        from frontend.home import home_context

        context.update(home_context(user=request.user))
    return render(request, "frontend/home.html", context)


@cache_control(max_age=3600)
def manifest(request):
    return JsonResponse(
        {
            "name": "Ideabox",
            "short_name": "Ideabox",
            "description": _("The idea box of the whole company."),
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "background_color": "#f5f7fa",
            "theme_color": "#1f5fbf",
            "lang": request.LANGUAGE_CODE,
            "icons": [
                {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
                {"src": static("icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
            ],
        },
        content_type="application/manifest+json",
    )


@cache_control(max_age=0, no_cache=True)
def service_worker(request):
    """Served from the root so that its scope covers the whole site."""
    shell = [
        static("css/ideabox.css"),
        static("js/ideabox.js"),
        static("js/idea-form.js"),
        static("vendor/htmx-2.0.11.min.js"),
        static("icons/icon.svg"),
    ]
    # The cache is named after the hashed file names: a new release drops the old shell.
    version = hashlib.sha256("|".join(shell).encode()).hexdigest()[:12]
    response = render(
        request,
        "frontend/sw.js",
        {"shell": shell, "version": version},
        content_type="application/javascript",
    )
    response["Service-Worker-Allowed"] = "/"
    return response


def offline(request):
    return render(request, "frontend/offline.html")


def favicon(request):
    """Browsers ask /favicon.ico on pages without an icon link (the Django admin, a PDF): the icon."""
    return HttpResponsePermanentRedirect(static("icons/icon.svg"))


def robots(request):
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain")
