"""Exports: JSON (schema dossier/1), JSON Lines, Parquet, Markdown, HTML."""
