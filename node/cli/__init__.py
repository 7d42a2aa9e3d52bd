"""The `dataprop` console script (typer)."""
