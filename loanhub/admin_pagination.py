"""Admin changelists that stay fast at any depth over millions of rows.

Django's changelist pages with `?p=N`, which the database answers with `OFFSET (N-1) × per page`:
it walks and discards every earlier row, so page 2,000 of a million rows costs hundreds of
milliseconds, and it counts every matching row with `COUNT(*)` to draw the page numbers.

`KeysetPaginationMixin` replaces both for a ModelAdmin whose changelist is ordered by the primary
key (the default ordering `("-id",)`):

- keyset ("seek") pages: "next" and "previous" carry the boundary row's key (`?after=<pk>`,
  `?before=<pk>`) and the page is `WHERE pk < boundary ORDER BY pk DESC LIMIT per page + 1` on
  the primary-key index, as cheap at the millionth row as at the first; "first" and "last" read
  from either end of the index. Filters and search apply before the seek, so they keep working.
  The boundary is a value, not a row: a page whose boundary row was deleted meanwhile still opens.
- no full count: the whole table's size is PostgreSQL's planner statistic (`pg_class.reltuples`,
  shown as "about N"), any filtered or searched list is counted up to `COUNT_CAP` + 1 rows
  ("more than 10,000" beyond), and there are no facet counts (one full count per choice).
- sorts only by the columns the admin allows (`get_sortable_by`), also from a typed `?o=`: a sort
  no index serves is a scan and sort of the whole table.
- `?p=N` (old links, or a column sort other than the key) is honoured by OFFSET up to
  `MAX_OFFSET_PAGES` pages; a deeper page number shows the first page with a message that says
  so and suggests search or the filters, never a silently different page.

This module is part of the kernel: it knows Django's admin, not any business app.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.admin.options import IS_FACETS_VAR, ShowFacets
from django.contrib.admin.views.main import ALL_VAR, ORDER_VAR, PAGE_VAR, ChangeList
from django.core.paginator import InvalidPage, Paginator
from django.db import connections, models
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.translation import gettext

AFTER_VAR = "after"
BEFORE_VAR = "before"
LAST_VAR = "last"
CURSOR_VARS = (AFTER_VAR, BEFORE_VAR, LAST_VAR)

# Lists longer than this are not counted exactly ("more than 10,000").
COUNT_CAP = 10_000
# Page numbers (?p=N) are served by OFFSET up to this depth; beyond, keyset links or search.
MAX_OFFSET_PAGES = 50
# The largest key a bigint primary key can hold: a larger ?after is not a page link we made.
MAX_KEY = 2**63 - 1


class EstimatedCountPaginator(Paginator):
    """A paginator that never counts millions of rows.

    `count` is exact up to `COUNT_CAP` rows (`count_kind` "exact"). Above it, an unfiltered table
    on PostgreSQL reports the planner's row estimate (`pg_class.reltuples`, kept by autovacuum and
    ANALYZE; "estimate"), and any other list `COUNT_CAP + 1` from a count that stops there
    ("capped").
    """

    count_cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        count, self._count_kind = self._count()
        return count

    @property
    def count_kind(self) -> str:
        """ "exact", "estimate" or "capped"."""
        _ = self.count
        return self._count_kind

    def _count(self) -> tuple[int, str]:
        queryset = self.object_list
        query = getattr(queryset, "query", None)
        if query is None:  # a list, not a queryset
            return len(queryset), "exact"
        if not query.where and not query.distinct and not query.combinator:
            estimate = self._table_estimate(queryset)
            if estimate is not None and estimate > self.count_cap:
                return estimate, "estimate"
        capped = queryset.values("pk").order_by()[: self.count_cap + 1].count()
        return capped, "exact" if capped <= self.count_cap else "capped"

    @staticmethod
    def _table_estimate(queryset) -> int | None:
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [connection.ops.quote_name(queryset.model._meta.db_table)],
            )
            row = cursor.fetchone()
        # -1 (PostgreSQL 14+) or 0 until the table was first vacuumed or analysed.
        return row[0] if row and row[0] > 0 else None

    def count_text(self, name_singular: str, name_plural: str) -> str:
        """The size of the list in words: "1 application", "about 1,000,000 applications"."""
        count = self.count
        if self.count_kind == "exact":
            name = name_singular if count == 1 else name_plural
            return f"{number_format(count, force_grouping=True)} {name}"
        if self.count_kind == "estimate":
            return gettext("about %(count)s %(name)s") % {
                "count": number_format(count, force_grouping=True),
                "name": name_plural,
            }
        return gettext("more than %(count)s %(name)s") % {
            "count": number_format(self.count_cap, force_grouping=True),
            "name": name_plural,
        }


@dataclass(frozen=True)
class Cursor:
    """Where a keyset page starts: after or before a key, at the last page, or at the first."""

    after: int | None = None
    before: int | None = None
    last: bool = False
    invalid: bool = False

    @classmethod
    def from_query(cls, params) -> Cursor:
        if LAST_VAR in params:
            return cls(last=True)
        for name in (AFTER_VAR, BEFORE_VAR):
            if name in params:
                raw = params.get(name, "")
                key = int(raw) if raw.isascii() and raw.isdigit() else None
                if key is None or not 0 < key <= MAX_KEY:
                    return cls(invalid=True)
                return cls(**{name: key})
        return cls()


class KeysetPage:
    """What the pagination template needs: the rows' neighbours as links, and the size."""

    def __init__(self, *, first_url=None, previous_url=None, next_url=None, last_url=None, number=None):
        self.first_url = first_url
        self.previous_url = previous_url
        self.next_url = next_url
        self.last_url = last_url
        self.number = number  # known only when reached by page number or at the first page

    @property
    def has_other_pages(self) -> bool:
        return bool(self.previous_url or self.next_url)


class KeysetChangeList(ChangeList):
    """A changelist that pages by key when ordered by the primary key, by capped OFFSET otherwise."""

    max_offset_pages = MAX_OFFSET_PAGES

    def __init__(self, request, *args, **kwargs):
        self.cursor = Cursor.from_query(request.GET)
        self.page_requested = PAGE_VAR in request.GET
        super().__init__(request, *args, **kwargs)
        # Made before the cursor and unsortable columns were dropped from the parameters.
        self.remove_facet_link = self.get_query_string(remove=[IS_FACETS_VAR])
        self.add_facet_link = self.get_query_string({IS_FACETS_VAR: True})

    def get_queryset(self, request, exclude_parameters=None):
        # The cursor is not a filter, and links to other filters, sorts or searches start afresh.
        for name in CURSOR_VARS:
            self.params.pop(name, None)
            self.filter_params.pop(name, None)
        self._drop_unsortable_columns()
        return super().get_queryset(request, exclude_parameters)

    def _drop_unsortable_columns(self) -> None:
        """Sort only by the columns the admin allows (`get_sortable_by`), even from a typed URL.

        Django hides the other columns' sort links but still obeys `?o=`; over millions of rows a
        sort without an index is a full scan and sort of the table, so it is refused here.
        """
        order = self.params.get(ORDER_VAR)
        if not order:
            return
        kept = []
        for part in order.split("."):
            index = part.removeprefix("-")
            if index.isdigit() and int(index) < len(self.list_display):
                name = self.list_display[int(index)]
                if self.sortable_by is None or name in self.sortable_by:
                    kept.append(part)
        if kept:
            self.params[ORDER_VAR] = ".".join(kept)
            self.filter_params[ORDER_VAR] = [".".join(kept)]
        else:
            self.params.pop(ORDER_VAR, None)
            self.filter_params.pop(ORDER_VAR, None)

    def keyset_direction(self) -> str | None:
        """ "-" or "" when the list is ordered by the primary key first, else None.

        Terms after the key change nothing (it is unique); the admin may repeat it there.
        """
        order_by = list(self.queryset.query.order_by)
        if not order_by or not isinstance(order_by[0], str):
            return None
        name = order_by[0]
        direction, field = ("-", name[1:]) if name.startswith("-") else ("", name)
        pk = self.lookup_opts.pk
        if not isinstance(pk, models.IntegerField):  # the links carry integer keys
            return None
        return direction if field in ("pk", pk.attname, pk.name) else None

    def get_results(self, request):
        paginator = self.model_admin.get_paginator(request, self.queryset, self.list_per_page)
        self.paginator = paginator
        self.result_count = result_count = paginator.count
        exact = getattr(paginator, "count_kind", "exact") == "exact"
        self.show_full_result_count = self.model_admin.show_full_result_count
        self.full_result_count = self.root_queryset.count() if self.show_full_result_count else None
        self.show_admin_actions = not self.show_full_result_count or bool(self.full_result_count)
        self.can_show_all = exact and result_count <= self.list_max_show_all
        self.multi_page = result_count > self.list_per_page
        self.count_text = (
            paginator.count_text(self.opts.verbose_name, self.opts.verbose_name_plural)
            if hasattr(paginator, "count_text")
            else f"{result_count} {self.opts.verbose_name_plural}"
        )
        self.show_all_url = (
            self.get_query_string({ALL_VAR: ""})
            if self.can_show_all and self.multi_page and not self.show_all
            else None
        )
        if (self.show_all and self.can_show_all) or not self.multi_page:
            self.result_list = self.queryset._clone()
            self.keyset = KeysetPage(number=1)
            return

        direction = self.keyset_direction()
        if self.cursor.invalid:
            messages.warning(request, gettext("That page link is not valid; here is the first page."))
        if direction is not None and not self.page_requested:
            self._seek_page(direction, Cursor() if self.cursor.invalid else self.cursor)
            return
        if self.page_num > self.max_offset_pages:
            messages.warning(
                request,
                gettext(
                    "Page %(page)s is too deep to open by its number (at most %(max)s). Use the search "
                    "or the filters, or page with “next” and “last”. Here is the first page."
                )
                % {"page": self.page_num, "max": self.max_offset_pages},
            )
        else:
            try:
                self._offset_page(paginator, direction)
                return
            except InvalidPage:
                messages.warning(
                    request,
                    gettext("There is no page %(page)s; here is the first page.") % {"page": self.page_num},
                )
        self.page_num = 1
        if direction is None:
            self._offset_page(paginator, direction)
        else:
            self._seek_page(direction, Cursor())

    # --- by page number, with OFFSET (shallow pages only) ------------------------------------------
    def _offset_page(self, paginator, direction: str | None) -> None:
        page = paginator.page(self.page_num)
        rows = list(page.object_list)
        self.result_list = rows

        def number_url(number):
            return self.get_query_string({PAGE_VAR: number}) if number > 1 else self.get_query_string()

        next_url = last_url = None
        if page.has_next() and rows:
            if direction is not None:  # from a numbered page on, by key
                next_url = self.get_query_string({AFTER_VAR: rows[-1].pk})
                last_url = self.get_query_string({LAST_VAR: 1})
            elif self.page_num < self.max_offset_pages:
                next_url = number_url(self.page_num + 1)
                if paginator.count_kind == "exact" and paginator.num_pages <= self.max_offset_pages:
                    last_url = number_url(paginator.num_pages)
        self.keyset = KeysetPage(
            first_url=number_url(1) if page.has_previous() else None,
            previous_url=number_url(self.page_num - 1) if page.has_previous() else None,
            next_url=next_url,
            last_url=last_url,
            number=self.page_num,
        )

    # --- by key, with a seek on the primary-key index ----------------------------------------------
    def _seek_page(self, direction: str, cursor: Cursor) -> None:
        per_page = self.list_per_page
        queryset = self.queryset
        # Which side of a key comes after it in the list's order.
        later, earlier = ("lt", "gt") if direction == "-" else ("gt", "lt")
        reverse_order = "pk" if direction == "-" else "-pk"

        if cursor.after is not None:
            rows = list(queryset.filter(**{f"pk__{later}": cursor.after})[: per_page + 1])
            has_next, rows = len(rows) > per_page, rows[:per_page]
            has_previous = queryset.filter(**{f"pk__{earlier}e": cursor.after}).exists()
        elif cursor.before is not None or cursor.last:
            backwards = queryset.order_by(reverse_order)
            if cursor.before is not None:
                backwards = backwards.filter(**{f"pk__{earlier}": cursor.before})
            rows = list(backwards[: per_page + 1])
            has_previous, rows = len(rows) > per_page, rows[:per_page][::-1]
            has_next = (
                cursor.before is not None and queryset.filter(**{f"pk__{later}e": cursor.before}).exists()
            )
        else:
            rows = list(queryset[: per_page + 1])
            has_next, rows, has_previous = len(rows) > per_page, rows[:per_page], False
        self.result_list = rows
        if not rows:  # a boundary beyond either end (the list is not empty): offer both ends
            self.keyset = KeysetPage(
                first_url=self.get_query_string(), last_url=self.get_query_string({LAST_VAR: 1})
            )
            return
        self.keyset = KeysetPage(
            first_url=self.get_query_string() if has_previous else None,
            previous_url=self.get_query_string({BEFORE_VAR: rows[0].pk}) if has_previous else None,
            next_url=self.get_query_string({AFTER_VAR: rows[-1].pk}) if has_next else None,
            last_url=self.get_query_string({LAST_VAR: 1}) if has_next else None,
            number=None if has_previous else 1,
        )


class KeysetPaginationMixin:
    """For a ModelAdmin over a table that grows to millions of rows (see the module docstring)."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = ShowFacets.NEVER  # facet counts are full COUNTs, one per filter choice
    change_list_template = "admin/keyset_change_list.html"

    def get_changelist(self, request, **kwargs):
        return KeysetChangeList


__all__ = [
    "AFTER_VAR",
    "BEFORE_VAR",
    "COUNT_CAP",
    "LAST_VAR",
    "MAX_OFFSET_PAGES",
    "EstimatedCountPaginator",
    "KeysetChangeList",
    "KeysetPaginationMixin",
]
