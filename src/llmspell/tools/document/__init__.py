"""document tools."""
