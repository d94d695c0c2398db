"""List pagination: ``{count, next, previous, results}``, page size bounded."""

import re

from django.conf import settings
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

_INTEGER = re.compile(r"-?[0-9]+", re.ASCII)


class Pagination(PageNumberPagination):
    """``?page=N&page_size=M``; ``page_size`` defaults to ``PAGE_SIZE`` and is capped at
    ``API_MAX_PAGE_SIZE`` (100). A page past the end is a 404 problem; a ``page_size`` that
    is not an integer is a 400 (DRF would ignore it, taking what the schema rules out)."""

    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:  # read at request time so settings overrides apply
        return int(getattr(settings, "API_MAX_PAGE_SIZE", 100))

    def get_page_size(self, request) -> int | None:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not _INTEGER.fullmatch(raw):
            raise ValidationError({self.page_size_query_param: ["Must be an integer."]})
        return super().get_page_size(request)
