"""media tools."""
