"""Corpus-level linking: actors, quotations merged across articles, and later copies and events."""
