"""Documents and digests for the commune office, as pure functions of plain data."""
