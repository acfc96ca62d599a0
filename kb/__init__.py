"""The knowledge base core: model, store (SQLite), search engines (``kb.engine``: tantivy,
or Whoosh), search, taxonomy, trends, collections and their exports.

Nothing in this package knows about Flask or about the file formats reports come in
(``indexer/`` reads those); ``kb/export.py`` writes training packs. ``kb/commands.py``
holds the ``kb`` commands on the knowledge base, ``kb/command_line.py`` what the commands of
every package share.
"""
