"""Routers: one module per resource (JSON API) plus the pages."""
