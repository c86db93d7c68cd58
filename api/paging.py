"""Page pagination with a stable order: the pages' own per-page sizes and orderings, ending in a unique key."""

from typing import Generic, TypeVar

from django.core.paginator import Paginator
from ninja import Schema

T = TypeVar("T")


class Paged(Schema, Generic[T]):
    items: list[T]
    count: int
    page: int
    pages: int
    next_page: int | None


def paged(queryset, *, page: int, per_page: int, item) -> dict:
    """One page of `queryset` (out-of-range numbers give the last page, as on the site)."""
    current = Paginator(queryset, per_page).get_page(page)
    return {
        "items": [item(obj) for obj in current.object_list],
        "count": current.paginator.count,
        "page": current.number,
        "pages": current.paginator.num_pages,
        "next_page": current.next_page_number() if current.has_next() else None,
    }
