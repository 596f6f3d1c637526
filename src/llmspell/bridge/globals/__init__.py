"""bridge/globals."""
