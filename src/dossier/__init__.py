"""dossier: a source-traced record of a developing news story."""

__version__ = "0.1.0"
SCHEMA = "dossier/1"
