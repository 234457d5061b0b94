"""A Datasette plugin, registered by newswatch's package entry point: installing newswatch
gives every Datasette the `nw_search(query)` SQL function, which turns a search query into an
FTS5 expression over word stems, so that a Cyrillic word is found in any grammatical case.

With `heap_limit_mb` in its plugin configuration (newswatch's metadata sets it), SQLite's memory
in the server is bounded (`PRAGMA hard_heap_limit`): a query that would need more fails with
"out of memory" (HTTP 400, as any bad query) instead of taking the machine's memory (rows are
bounded by Datasette's `max_returned_rows`, but one value can be any size)."""

from datasette import hookimpl
from newswatch.search import search_expression


@hookimpl
def prepare_connection(conn, datasette):
    conn.create_function("nw_search", 1, search_expression, deterministic=True)
    if heap_limit_mb := _heap_limit_mb(datasette):  # for the whole process: one SQLite heap
        conn.execute(f"PRAGMA hard_heap_limit = {heap_limit_mb * 1024 * 1024}")


@hookimpl(tryfirst=True)
def handle_exception(datasette, request, exception):
    """A query that ran into the memory bound is the query's fault: a 400 that says so."""
    if isinstance(exception, MemoryError) and (heap_limit_mb := _heap_limit_mb(datasette)):
        from datasette.handle_exception import handle_exception as datasette_default
        from datasette.utils.asgi import BadRequest

        message = f"out of memory: the query needs more than the server's {heap_limit_mb} MB"
        return datasette_default(datasette, request, BadRequest(message))
    return None


def _heap_limit_mb(datasette) -> int:
    return int((datasette.plugin_config("newswatch") or {}).get("heap_limit_mb") or 0)


@hookimpl(specname="extra_template_vars")
def desk_template_vars(template, datasette):
    """`desk` for the desk's templates (newswatch/datasette/desk.py)."""
    from newswatch.datasette.desk import desk_for

    return desk_for(datasette, template)
