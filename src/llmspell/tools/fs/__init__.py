"""fs tools."""
