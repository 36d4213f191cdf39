"""The live cluster: staged apply, gates, journal, rollback, uninstall (the only write path)."""
