"""Per-article analysis steps (language, and later sentences, mentions, quotations)."""
