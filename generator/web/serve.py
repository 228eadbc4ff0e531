"""``handbook serve``: the site on a local web server, for reading it in a browser."""

from __future__ import annotations

import functools
import http.server
from collections.abc import Callable
from pathlib import Path


class ServeError(Exception):
    """The server cannot start: no site to serve, or the port is taken (bad input)."""


def serve(folder: Path, host: str, port: int, announce: Callable[[str], None]) -> None:
    """Serve ``folder`` over HTTP until interrupted; announce its address first."""
    if not (folder / "index.html").is_file():
        raise ServeError(f"{folder}: no site there (build it first: handbook build --html)")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    try:
        server = http.server.ThreadingHTTPServer((host, port), handler)
    except OSError as error:
        raise ServeError(f"cannot serve on {host}:{port}: {error.strerror or error} (choose another --port)") from None
    with server:
        address = f"http://{host}:{server.server_address[1]}/"
        announce(f"serving {folder} at {address} (Ctrl-C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            announce("stopped")
