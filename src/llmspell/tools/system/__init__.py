"""system tools."""
