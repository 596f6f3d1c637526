"""The database-connector's parts: SQL guard, connection targets, drivers and JSON values."""
