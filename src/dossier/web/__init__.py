"""The web pages and the HTTP API (`dossier serve`): FastAPI, server-rendered Jinja2 pages.

Needs the `web` extra (`pip install 'dossier[web]'`); the rest of dossier does not import it.
"""
