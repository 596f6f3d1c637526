"""The `llmspell` command line."""
