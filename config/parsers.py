"""The API's request parsers."""

import json

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """JSON, without lone surrogates (``"\\ud800"``): valid JSON, but no UTF-8 text. Such a string
    could not be stored (SQLite and PostgreSQL refuse it) nor answered: a field's error message
    that quotes the value ("… is not a valid choice") failed to encode, a server error (found by
    tests/security/test_fuzz_routes.py on /api/v1/ideas/<pk>/decide/ and /api/v1/me/)."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as error:
            message = _("JSON parse error - a text holds a lone surrogate (\\u%(code)04x), no character.")
            raise ParseError(message % {"code": ord(error.object[error.start])}) from error
        return data
