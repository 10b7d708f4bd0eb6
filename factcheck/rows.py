"""Rows by one column's value, in fixed SQL, for the pages built most often.

A claim's public page is built from a handful of lookups by one column (the
claim by its slug, its article and speaker by id, its timeline and sources by
claim). Through the ORM, building each of these queries costs several times
running it, and ``Manager.raw`` still maps the result's columns to the model's
fields on every call. Here the SQL (every column, in the model's order) is
written once per process and the rows are turned into instances as the ORM
does: the database's values through the same converters, then
``Model.from_db``. tests/test_models.py checks the result against the ORM's on
each database; docs/benchmarks.md has the measurements.
"""

from functools import cache

from django.db import connections, router


@cache
def select_sql(model, column):
    columns = ", ".join(f'"{field.column}"' for field in model._meta.concrete_fields)
    return f'SELECT {columns} FROM "{model._meta.db_table}" WHERE "{column}" = %s'


def rows_where(model, column, value):
    """The instances of ``model`` whose ``column`` equals ``value``, unordered."""
    using = router.db_for_read(model)
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(select_sql(model, column), [value])
        rows = cursor.fetchall()
    if not rows:
        return []
    # What the ORM does to each value on its way out (on SQLite, for example,
    # datetimes become aware), from the same compiler methods Manager.raw uses.
    table = model._meta.db_table
    compiler = connection.ops.compiler("SQLCompiler")(None, connection, using)
    converters = compiler.get_converters(
        [field.get_col(table) for field in model._meta.concrete_fields]
    )
    if converters:
        rows = compiler.apply_converters(rows, converters)
    return [model.from_db(using, None, row) for row in rows]
