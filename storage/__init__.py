"""Persistence behind one small interface (`storage.base.Store`): a commune's SQLite file, or its
schema on a PostgreSQL server, running one set of queries (storage/conn.py)."""

from storage.base import Store, Transaction
from storage.postgres import PostgresStore
from storage.sqlite import SqliteStore

__all__ = ["PostgresStore", "SqliteStore", "Store", "Transaction"]
