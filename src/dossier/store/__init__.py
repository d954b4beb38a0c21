"""The SQLite store: schema, migrations and queries."""
