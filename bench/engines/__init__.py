"""The engines compared: the knowledge base itself, and tantivy and SQLite FTS5 as reference points.

Every engine answers a query the same way the knowledge base does: the words of the query
OR-ed (phrases kept), restricted passages left out, the total after all filters, every
facet counted under the other facets' filters, and the top 10 with highlighted snippets.
"""
