"""Security rules shared by the script sandbox and the tools."""

from llmspell.security.network import host_refusal, is_private_host
from llmspell.security.paths import PathPolicy

__all__ = ["PathPolicy", "host_refusal", "is_private_host"]
