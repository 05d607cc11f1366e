"""Page-number pagination (`{count, next, previous, results}`) whose page size a client may choose."""

from __future__ import annotations

from django.conf import settings
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    # A ceiling, so that one request can never ask for a whole organisation's rows at once.
    max_page_size = 1000

    def __init__(self) -> None:
        self.page_size = settings.REST_FRAMEWORK.get("PAGE_SIZE", 100)
