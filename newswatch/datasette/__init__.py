"""newswatch in Datasette: the plugin (SQL functions) and the metadata (titles, descriptions,
sorting, facets, hidden tables, canned queries, the Atom feed)."""
