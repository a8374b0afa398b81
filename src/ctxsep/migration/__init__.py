"""Tracking the migration over a whole tree: the baseline commands' logic,
the promotion gate and the report's numbers. Above the runner (they run
checks), below the output formats and the CLI (they print nothing)."""
