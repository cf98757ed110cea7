"""Persistence behind one small interface (`storage.base.Store`); SQLite is the first backend."""

from storage.base import Store, Transaction
from storage.sqlite import SqliteStore

__all__ = ["SqliteStore", "Store", "Transaction"]
