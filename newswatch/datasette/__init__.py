"""newswatch in Datasette: the plugin (SQL functions), the articles plugin (the article page and
the readable articles tables, with templates/) and the metadata (titles, descriptions, sorting,
facets, hidden tables, canned queries, the Atom feed). The package itself is registered as a
Datasette plugin (entry point newswatch-templates) so that Datasette uses its templates/."""
