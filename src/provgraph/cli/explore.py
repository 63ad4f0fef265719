"""``provgraph explore``: browse a profile or an archive file in a local, read-only web explorer.

    provgraph explore                      the default profile, at http://127.0.0.1:8000/
    provgraph -p team explore --port 8123  another profile, another port
    provgraph explore results.aiida        an archive file, opened read-only (nothing imported)

The pages are served by :mod:`provgraph.web` through uvicorn until Ctrl-C.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from provgraph.cli.context import ProvgraphContext, pass_provgraph

if TYPE_CHECKING:
    import socket
    from contextlib import AbstractContextManager

    from provgraph.storage.abstract import StorageBackend

__all__ = ["explore"]


@click.command("explore")
@click.argument(
    "archive", metavar="[ARCHIVE_FILE]", required=False, type=click.Path(exists=True, path_type=Path)
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (keep it local).")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port to listen on."
)
@click.option(
    "--browser/--no-browser",
    default=None,
    help="Open the explorer in a web browser. Default: only when run from a terminal.",
)
@pass_provgraph
def explore(ctx: ProvgraphContext, archive: Path | None, host: str, port: int, browser: bool | None) -> None:
    """Browse the profile's storage (or ARCHIVE_FILE) in a read-only web explorer until Ctrl-C.

    An ARCHIVE_FILE is explored instead of any profile, opened read-only and imported nowhere.

    \b
    Examples:
      provgraph explore
      provgraph -p team explore --port 8123 --no-browser
      provgraph explore results.aiida
    """
    import sys

    if not ctx.owns_process:
        # uvicorn takes over the process's SIGINT and SIGTERM handlers and blocks until Ctrl-C,
        # which a program running the CLI inside itself (tests, notebooks) should not get.
        raise click.ClickException(
            "provgraph explore serves until Ctrl-C and needs a process of its own: run it from a shell"
        )
    listener = _listen(host, port)
    url = f"http://{host}:{port}/"
    try:
        with _open(ctx, archive) as storage:
            click.echo(f"Exploring {storage} at {url} (read-only; Ctrl-C stops).")
            if browser or (browser is None and sys.stdout.isatty()):
                _open_browser(url)
            _serve(storage, listener)
    finally:
        listener.close()
    click.echo("Stopped.")


def _open(ctx: ProvgraphContext, archive: Path | None) -> AbstractContextManager[StorageBackend]:
    """The storage to explore, read-only by construction, closed when the block ends.

    An archive is a read-only storage; a profile's storage is opened so that its database
    refuses every write (``StorageBackend.open_read_only``).
    """
    if archive is None:
        return ctx.read_only_storage()
    from contextlib import closing

    from provgraph.web.storage import open_archive

    return closing(open_archive(archive))


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port``, so that a taken port is one clear line, not uvicorn's log."""
    import socket

    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        return socket.create_server((host, port), family=family)
    except OSError as error:
        reason = error.strerror or str(error)
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {reason}; choose another --host or --port"
        ) from None


def _open_browser(url: str) -> None:
    """Ask the system's browser to open ``url``; say so when there is none (no display, a server)."""
    import webbrowser

    try:
        opened = webbrowser.open(url)
    except webbrowser.Error:
        opened = False
    if not opened:
        click.echo(f"No web browser could be opened; visit {url} yourself.", err=True)


def _serve(storage: StorageBackend, listener: socket.socket) -> None:
    """Serve the explorer on ``listener`` until Ctrl-C (or SIGTERM), which ends it cleanly."""
    import contextlib

    import uvicorn

    from provgraph.web import create_app

    config = uvicorn.Config(create_app(storage), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn raises a caught SIGINT again once stopped
        server.run(sockets=[listener])
