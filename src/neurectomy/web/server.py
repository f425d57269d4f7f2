"""Run the app with Uvicorn (``neurectomy serve``, ``make run``)."""

from __future__ import annotations

from neurectomy.web.settings import Settings


def serve(host: str | None = None, port: int | None = None, settings: Settings | None = None) -> None:
    """Serve the web app on ``http://host:port`` until interrupted."""
    import uvicorn

    from neurectomy.web.app import create_app

    base = settings or Settings.from_env()
    chosen = base.model_copy(update={k: v for k, v in (("host", host), ("port", port)) if v is not None})
    app = create_app(chosen)
    print(f"neurectomy web app on http://{chosen.host}:{chosen.port}  (API docs: /docs; Ctrl-C stops)", flush=True)
    uvicorn.run(app, host=chosen.host, port=chosen.port, log_level=chosen.log_level)
