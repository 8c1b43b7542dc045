"""The full-text index behind J1QL's ``FIND "text"``: an SQLite FTS5 table over entity property values.

``entity_text`` holds, for each live entity (same rowid as in ``entities``), the text of its
property values (strings and numbers, array elements included; not the property names).
Triggers on ``entities`` keep it in step inside whatever transaction changes an entity, so
the store's merge code need not know it exists: an insert or a change of ``props`` or
``deleted_run`` rewrites the entity's row, a delete removes it. Every trigger first deletes
the rowid it writes, so the index stays right under INSERT OR REPLACE and upserts as well
(a REPLACE that moves a key to a new rowid can leave a row for the old rowid behind; queries
join on live entities, which ignores it).

The index only narrows the search (``detail=none``: which entities contain which words); the
query then checks the entity's own values (:meth:`~awsgraph.query.dialect.SQLiteDialect.text_search`),
so a stale or missing row can never produce a wrong answer, only a slower one.

Created, and filled from existing entities, when a writer opens the database
(:func:`ensure_text_index`). Read-only openers of an older database without it still answer
full-text searches, by a scan.
"""

from __future__ import annotations

import sqlite3

_BODY = "(SELECT group_concat(atom, ' ') FROM json_tree({row}.props) WHERE type IN ('text', 'integer', 'real'))"
_WRITE = ("DELETE FROM entity_text WHERE rowid = {old}.rowid;"
          " INSERT INTO entity_text(rowid, body) SELECT NEW.rowid, " + _BODY.format(row="NEW")
          + " WHERE NEW.deleted_run IS NULL;")

_TABLE = ("CREATE VIRTUAL TABLE IF NOT EXISTS entity_text USING fts5("
          "body, detail=none, columnsize=0, tokenize='unicode61 remove_diacritics 0')")
_TRIGGERS = (
    f"CREATE TRIGGER IF NOT EXISTS entity_text_insert AFTER INSERT ON entities BEGIN {_WRITE.format(old='NEW')} END",
    "CREATE TRIGGER IF NOT EXISTS entity_text_update AFTER UPDATE OF props, deleted_run ON entities"
    " WHEN OLD.props IS NOT NEW.props OR OLD.deleted_run IS NOT NEW.deleted_run BEGIN"
    f" {_WRITE.format(old='OLD')} END",
    "CREATE TRIGGER IF NOT EXISTS entity_text_delete AFTER DELETE ON entities BEGIN"
    " DELETE FROM entity_text WHERE rowid = OLD.rowid; END",
)


def ensure_text_index(db: sqlite3.Connection) -> bool:
    """Create the index and its triggers if missing, filling it from the live entities.

    Returns True when it was created now. For writers only (it changes the schema).
    """
    exists = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'entity_text'").fetchone()
    began = not db.in_transaction
    if began:
        db.execute("BEGIN IMMEDIATE")
    try:
        if not exists:
            db.execute(_TABLE)
            db.execute("INSERT INTO entity_text(rowid, body) SELECT e.rowid, " + _BODY.format(row="e")
                       + " FROM entities e WHERE e.deleted_run IS NULL")
        for trigger in _TRIGGERS:
            db.execute(trigger)
        if began:
            db.execute("COMMIT")
    except BaseException:
        if began:
            db.execute("ROLLBACK")
        raise
    return not exists
