"""Set-based writing of the aggregates: a grouped queryset inserted straight into a table."""

from __future__ import annotations

from django.db import connection
from django.db.models import DecimalField, QuerySet, Value

from loanhub.money import MONEY_DIGITS, MONEY_PLACES

ZERO_MONEY = Value(0, output_field=DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES))


def insert_select(model, queryset: QuerySet, columns: list[str]) -> int:
    """INSERT INTO model's table (columns) the rows of `queryset`, whose values are aliased
    `m_<column>`: one statement, the rows never leave the database."""
    sql, params = queryset.query.sql_with_params()
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    picks = ", ".join(f"q.{quote('m_' + column)}" for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({names}) SELECT {picks} FROM ({sql}) q", params
        )
        return cursor.rowcount


def aliased(queryset: QuerySet, dimensions: dict, measures: dict) -> QuerySet:
    """`queryset` grouped by `dimensions` with `measures`, every value aliased `m_<name>`."""
    return (
        queryset.order_by()
        .annotate(**{f"m_{name}": expr for name, expr in dimensions.items()})
        .values(*(f"m_{name}" for name in dimensions))
        .annotate(**{f"m_{name}": expr for name, expr in measures.items()})
    )
