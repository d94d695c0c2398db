"""The JSON body parser: DRF's, plus the inputs it would turn into a 500 or a confusing 400."""

import codecs
import sys

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as DRFJSONParser
from rest_framework.utils import json


def _bounded_int(text: str) -> int:
    """An integer literal within Python's conversion limit; beyond it Python's own message
    would tell the client to call ``sys.set_int_max_str_digits()``."""
    limit = sys.get_int_max_str_digits()
    if limit and len(text.lstrip("-")) > limit:
        raise ValueError(f"an integer has more than {limit} digits")
    return int(text)


class JSONParser(DRFJSONParser):
    """DRF's JSON parser, with two inputs answered as a malformed body (400) like any other:
    deeply nested JSON (``[[[[...``, Python's decoder raises ``RecursionError``, which DRF
    does not catch) and an integer longer than Python converts (the message names the limit,
    not the interpreter setting that lifts it)."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json.load(
                codecs.getreader(encoding)(stream),
                parse_constant=json.strict_constant if self.strict else None,
                parse_int=_bounded_int,
            )
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
