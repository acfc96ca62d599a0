"""Turn report files into knowledge-base records: the readers of each format
(``indexer.readers``), passages (``segment``), theme tagging and its learned model (``tag``,
``learn``, ``retag``), the indexing run (``ingest``), quality measures (``evaluate``) and the
indexer's ``kb`` commands (``commands``)."""
