"""The local registry store: SQL rows (SQLite now, PostgreSQL later) plus a blob folder."""
