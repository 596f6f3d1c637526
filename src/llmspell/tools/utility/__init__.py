"""utility tools."""
