"""Reading articles: readers for each input format, HTML extraction, cleaning."""
