"""``create_app(storage)``: the explorer's routes over one storage, rendered with Jinja2.

Handlers are ``async`` and call the (synchronous) library directly, so every request runs on the
event loop's thread one after the other: the storage is never used from two threads at once,
which a local single-user explorer does not need. Templates and the stylesheet are read from the
package folder; autoescaping is on for every template, so user data (labels, attributes, file
text) always renders as text.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from provgraph.storage.abstract import StorageBackend
from provgraph.web import files, graph_view, node_view, overview, search
from provgraph.web.paging import page_number

__all__ = ["create_app"]

_HERE = Path(__file__).parent
_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # scripts only from the package's own files (graph.js): an inline script in user data never runs
    "Content-Security-Policy": "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'",
    "Referrer-Policy": "no-referrer",
}


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(_HERE / "templates"),
        autoescape=True,  # every template, whatever its name: all values shown are user data
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["query"] = _query_string
    environment.filters["when"] = _when
    return environment


def _query_string(params: dict[str, Any], **changes: Any) -> str:
    """``?a=1&page=2``: the current parameters with ``changes`` (for paging links).

    A list value repeats its name (``where=a&where=b``); empty values are left out.
    """
    kept: dict[str, Any] = {}
    for key, value in {**params, **changes}.items():
        given = [item for item in value if item not in {None, ""}] if isinstance(value, list) else value
        if given is not None and given not in ("", []):
            kept[key] = given
    return "?" + urlencode(kept, doseq=True)


def _when(moment: datetime | None) -> str:
    """A timestamp to the second in its stored offset (``2026-12-07 20:31:05+00:00``)."""
    return "" if moment is None else moment.isoformat(sep=" ", timespec="seconds")


class _Explorer:
    """The routes' shared state: the storage and the template environment."""

    def __init__(self, storage: StorageBackend) -> None:
        self.storage = storage
        self.templates = _environment()

    def page(self, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        html = self.templates.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status_code, headers=_SECURITY_HEADERS)

    async def home(self, request: Request) -> Response:
        sizes = request.query_params.get("sizes", "") == "1"
        data = overview.overview(self.storage, sizes=sizes)
        return self.page("home.html", data=data, storage=str(self.storage), sizes=sizes)

    async def search(self, request: Request) -> Response:
        params: dict[str, Any] = dict(request.query_params)
        searched = bool(params)
        params["where"] = search.where_expressions({"where": request.query_params.getlist("where")})
        checked = search.parse_search(params, self.storage)
        if searched and search.reads_values(checked):  # within a time budget, window by window
            scanned = search.scan_nodes(self.storage, checked, search.before_pk(params))
            return self.page("search.html", params=params, results=None, scanned=scanned)
        results = search.search_nodes(self.storage, checked, page_number(params)) if searched else None
        return self.page("search.html", params=params, results=results, scanned=None)

    async def processes(self, request: Request) -> Response:
        params = dict(request.query_params)
        state = overview.state_filter(params)
        results = overview.processes_page(self.storage, state, page_number(params))
        return self.page(
            "processes.html", params=params, results=results, states=overview.PROCESS_STATES, state=state
        )

    async def groups(self, request: Request) -> Response:
        params = dict(request.query_params)
        return self.page(
            "groups.html", params=params, results=overview.groups_page(self.storage, page_number(params))
        )

    async def group(self, request: Request) -> Response:
        params = dict(request.query_params)
        group, results = overview.group_members(
            self.storage, request.path_params["label"], page_number(params)
        )
        return self.page("group.html", params=params, group=group, results=results)

    async def node(self, request: Request) -> Response:
        params = dict(request.query_params)
        number = page_number(params)
        node = node_view.find_node(self.storage, request.path_params["identifier"])
        return self.page(
            "node.html",
            params=params,
            page=number,
            node=node_view.node_details(self.storage, node),
            incoming=node_view.node_links(self.storage, node.pk, "incoming", number),
            outgoing=node_view.node_links(self.storage, node.pk, "outgoing", number),
            files=files.file_tree(node),
        )

    async def graph(self, request: Request) -> Response:
        node = node_view.find_node(self.storage, request.path_params["identifier"])
        wanted = graph_view.parse_graph_request(request.query_params)
        picture = graph_view.draw_graph(self.storage, node, wanted)
        return self.page("graph.html", pk=node.pk, label=node.label, wanted=wanted, picture=picture)

    async def preview(self, request: Request) -> Response:
        node = node_view.find_node(self.storage, request.path_params["identifier"])
        path = files.checked_path(node, request.path_params["path"])
        image = files.image_type(path)
        text = None if image else files.text_preview(node, path)
        return self.page("preview.html", pk=node.pk, path=path, image=image, text=text)

    async def download(self, request: Request) -> Response:
        """The file's bytes: an attachment of an opaque type, or an inline image when asked."""
        node = node_view.find_node(self.storage, request.path_params["identifier"])
        path = files.checked_path(node, request.path_params["path"])
        image = files.image_type(path)
        name = Path(path).name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
        if request.query_params.get("inline") == "1" and image is not None:
            media_type, disposition = image, "inline"
        else:
            media_type, disposition = "application/octet-stream", "attachment"
        headers = {**_SECURITY_HEADERS, "Content-Disposition": f'{disposition}; filename="{name}"'}
        return StreamingResponse(files.file_chunks(node, path), media_type=media_type, headers=headers)

    async def error(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        detail = exc.detail if isinstance(exc, HTTPException) else "Internal error."
        if status == 404 and detail == "Not Found":
            detail = f"There is no page at {request.url.path}."
        return self.page("error.html", status_code=status, status=status, message=detail)


def create_app(storage: StorageBackend) -> Starlette:
    """The explorer over ``storage``, which it only reads; the caller opens and closes it."""
    explorer = _Explorer(storage)
    routes = [
        Route("/", explorer.home),
        Route("/search", explorer.search),
        Route("/processes", explorer.processes),
        Route("/groups", explorer.groups),
        Route("/group/{label:path}", explorer.group),
        Route("/node/{identifier}", explorer.node),
        Route("/node/{identifier}/graph", explorer.graph),
        Route("/node/{identifier}/preview/{path:path}", explorer.preview),
        Route("/node/{identifier}/file/{path:path}", explorer.download),
        Mount("/static", app=StaticFiles(directory=_HERE / "static"), name="static"),
    ]
    return Starlette(routes=routes, exception_handlers={HTTPException: explorer.error})
