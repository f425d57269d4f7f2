"""The web app (an edge): FastAPI pages and the JSON API over the same objects as the CLI and the Python API.

Start it with ``neurectomy serve`` or build it with :func:`neurectomy.web.app.create_app`.
Decision support and education, not a medical device.
"""
