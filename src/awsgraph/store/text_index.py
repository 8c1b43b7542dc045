"""The full-text index behind J1QL's ``FIND "text"``: an SQLite FTS5 table over entity property values.

``entity_text`` holds, for each live entity (same rowid as in ``entities``), the text of its
property values (strings and numbers, array elements included; not the property names).

It is kept in step by triggers, so the store's merge code need not know it exists, and inside
the run's own transaction. Writing FTS5 from a row trigger is slow (FTS5 flushes its pending
data at every statement), so the row triggers on ``entities`` only note the rowid of each
inserted, changed (``props`` or ``deleted_run``) or deleted entity in ``entity_text_queue``, and
a trigger on ``runs`` re-indexes the queued entities in three set-wise statements when the run
is marked finished, just before its commit. A rolled-back run rolls its queue back with it.
Queries treat a queued entity as a candidate, so writes outside a run are never missed.

The index only narrows the search (``detail=none``: which entities contain which words); the
query then checks the entity's own values (:meth:`~awsgraph.query.dialect.SQLiteDialect.text_search`),
so a stale row can never produce a wrong answer, only a slower one.

Created, and filled from existing entities, when a writer opens the database
(:func:`ensure_text_index`). Read-only openers of an older database without it still answer
full-text searches, by a scan.
"""

from __future__ import annotations

import sqlite3

_BODY = "(SELECT group_concat(atom, ' ') FROM json_tree({row}.props) WHERE type IN ('text', 'integer', 'real'))"
_SYNC = ("DELETE FROM entity_text WHERE rowid IN (SELECT id FROM entity_text_queue);"
         " INSERT INTO entity_text(rowid, body) SELECT e.rowid, " + _BODY.format(row="e")
         + " FROM entity_text_queue q JOIN entities e ON e.rowid = q.id WHERE e.deleted_run IS NULL;"
         " DELETE FROM entity_text_queue;")
# Not ``INSERT OR IGNORE``: an upsert's own conflict policy (``ON CONFLICT ... DO UPDATE``) overrides the
# trigger's, so an entity queued earlier in the run and upserted again would abort the upsert.
_QUEUE = ("INSERT INTO entity_text_queue(id) SELECT {row}.rowid"
          " WHERE NOT EXISTS (SELECT 1 FROM entity_text_queue WHERE id = {row}.rowid);")
_QUEUE_MARK = "WHERE NOT EXISTS (SELECT 1 FROM entity_text_queue"

_TABLES = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS entity_text USING fts5("
    "body, detail=none, columnsize=0, tokenize='unicode61 remove_diacritics 0')",
    "CREATE TABLE IF NOT EXISTS entity_text_queue(id INTEGER PRIMARY KEY)",
)
_TRIGGERS = (
    f"CREATE TRIGGER IF NOT EXISTS entity_text_insert AFTER INSERT ON entities BEGIN {_QUEUE.format(row='NEW')} END",
    "CREATE TRIGGER IF NOT EXISTS entity_text_update AFTER UPDATE OF props, deleted_run ON entities"
    f" WHEN OLD.props IS NOT NEW.props OR OLD.deleted_run IS NOT NEW.deleted_run BEGIN {_QUEUE.format(row='NEW')} END",
    f"CREATE TRIGGER IF NOT EXISTS entity_text_delete AFTER DELETE ON entities BEGIN {_QUEUE.format(row='OLD')} END",
    "CREATE TRIGGER IF NOT EXISTS entity_text_run_finished AFTER UPDATE OF status ON runs"
    f" WHEN NEW.status = 'finished' BEGIN {_SYNC} END",
    "CREATE TRIGGER IF NOT EXISTS entity_text_run_inserted AFTER INSERT ON runs"
    f" WHEN NEW.status = 'finished' BEGIN {_SYNC} END",
)
TRIGGER_NAMES = ("entity_text_insert", "entity_text_update", "entity_text_delete", "entity_text_run_finished",
                 "entity_text_run_inserted")


def sync_text_index(db: sqlite3.Connection) -> None:
    """Index the queued entities now (a finished run does this by itself)."""
    for statement in _SYNC.split(";"):
        if statement.strip():
            db.execute(statement)


def _ready(db: sqlite3.Connection) -> bool:
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')"
                                      " AND name LIKE 'entity_text%'")}
    if not {"entity_text_queue", *TRIGGER_NAMES} <= names or _outdated_triggers(db):
        return False
    return db.execute("SELECT 1 FROM entity_text_queue LIMIT 1").fetchone() is None


def _outdated_triggers(db: sqlite3.Connection) -> list[str]:
    """Row triggers written by an older version (``INSERT OR IGNORE`` into the queue)."""
    rows = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (?, ?, ?)",
                      TRIGGER_NAMES[:3]).fetchall()
    return [str(name) for name, sql in rows if _QUEUE_MARK not in str(sql)]


def ensure_text_index(db: sqlite3.Connection) -> bool:
    """Create the index and its triggers if missing, filling it from the live entities.

    Returns True when it was created now. For writers only (it changes the schema).
    """
    exists = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'entity_text'").fetchone()
    if exists and _ready(db):
        return False  # nothing to do: no write, no lock
    began = not db.in_transaction
    if began:
        db.execute("BEGIN IMMEDIATE")
    try:
        for table in _TABLES:
            db.execute(table)
        if not exists:
            db.execute("INSERT INTO entity_text_queue(id) SELECT rowid FROM entities WHERE deleted_run IS NULL")
        for name in _outdated_triggers(db):
            db.execute(f"DROP TRIGGER {name}")
        for trigger in _TRIGGERS:
            db.execute(trigger)
        sync_text_index(db)  # a new index's backfill, or writes made outside a run
        if began:
            db.execute("COMMIT")
    except BaseException:
        if began:
            db.execute("ROLLBACK")
        raise
    return not exists
