"""The JSON body parser: DRF's, plus the inputs it would turn into a 500."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as DRFJSONParser


class JSONParser(DRFJSONParser):
    """Deeply nested JSON (``[[[[...``) makes Python's decoder raise ``RecursionError``, which
    DRF does not catch; here it is a 400 like any other malformed body."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
