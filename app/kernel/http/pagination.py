"""List pagination: ``{count, next, previous, results}``, page size bounded."""

from django.conf import settings
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """``?page=N&page_size=M``; ``page_size`` defaults to ``PAGE_SIZE`` and is capped at
    ``API_MAX_PAGE_SIZE`` (100). A page past the end is a 404 problem."""

    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:  # read at request time so settings overrides apply
        return int(getattr(settings, "API_MAX_PAGE_SIZE", 100))
