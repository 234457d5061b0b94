"""A Datasette plugin, registered by newswatch's package entry point: installing newswatch
gives every Datasette the `nw_search(query)` SQL function, which turns a search query into an
FTS5 expression over word stems, so that a Cyrillic word is found in any grammatical case."""

from datasette import hookimpl
from newswatch.search import search_expression


@hookimpl
def prepare_connection(conn):
    conn.create_function("nw_search", 1, search_expression, deterministic=True)


@hookimpl(specname="extra_template_vars")
def desk_template_vars(template, datasette):
    """`desk` for the desk's templates (newswatch/datasette/desk.py)."""
    from newswatch.datasette.desk import desk_for

    return desk_for(datasette, template)
