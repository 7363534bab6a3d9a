"""The store's layout number and the marks that tell a ledger file from any other.

Kept apart from ``ledger.storage`` so that a report run without click
(``projections.launch``) can check a file without loading the store's classes.
"""

from __future__ import annotations

#: The layout of the store this program writes. ``init`` records it (SQLite: the file's
#: ``user_version``; PostgreSQL: the event table's comment); a store recorded by a newer
#: program is refused rather than read or written with a layout this one does not know.
#: 2: SQLite keeps the folds' hot event fields as stored generated columns
#: (``ledger.storage.EVENT_COLUMNS``); ``init`` upgrades a format-1 store.
STORE_FORMAT = 2
FORMAT_TAG = "ledger format "
#: the first 16 bytes of every SQLite database file
SQLITE_HEADER = b"SQLite format 3\x00"
