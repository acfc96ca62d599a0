"""The knowledge base core: model, store (SQLite), search index (Whoosh), search, taxonomy,
trends, collections and their exports.

Nothing in this package knows about Flask or about the file formats reports come in
(``indexer/`` reads those); ``kb/export.py`` writes training packs.
"""
import warnings

# Whoosh 2.7.4 uses old-style regex strings that warn on import under Python 3.12+.
warnings.filterwarnings("ignore", category=SyntaxWarning, module=r"whoosh(\..*)?")
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"whoosh(\..*)?")
