"""What a process-function node records about its Python function (AiiDA's ``FunctionCalculationMixin``).

The function's name, module and position go into attributes, its source file into the node's
repository as ``source_file``, so that a result can be traced back to the code that made it.
"""

from __future__ import annotations

import inspect
import io
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from provgraph.orm.nodes.node import Node

__all__ = ["FunctionInfo", "FunctionNodeMixin", "function_info"]

LOGGER = logging.getLogger(__name__)

FUNCTION_NAME_KEY = "function_name"
FUNCTION_NAMESPACE_KEY = "function_namespace"
FUNCTION_STARTING_LINE_KEY = "function_starting_line_number"
FUNCTION_NUMBER_OF_LINES_KEY = "function_number_of_lines"
FUNCTION_SOURCE_FILE_PATH = "source_file"


class FunctionInfo:
    """The attributes and source file of one function, read once and shared by all its runs."""

    __slots__ = ("attributes", "source")

    def __init__(self, attributes: dict[str, Any], source: bytes | None) -> None:
        self.attributes = attributes
        self.source = source

    def apply(self, node: Node) -> None:
        """Record the function on an unstored node (attributes and source file)."""
        node.base.attributes.set_many(self.attributes)
        self.attach_source(node, in_sandbox=True)

    def attach_source(self, node: Node, in_sandbox: bool = False) -> None:
        """Put the source file on the unstored ``node`` (once; nothing if there is no source).

        Without ``in_sandbox`` (for a node about to be stored) the file goes straight into the
        profile's object store and the node's ``repository_metadata`` names it, which spares a
        sandbox copy per run; its files then show only once it is stored, and its hash can only
        be computed at the store. A node with files of its own gets the file in its sandbox.
        """
        if self.source is None or FUNCTION_SOURCE_FILE_PATH in node.repository_metadata.get("o", {}):
            return
        if in_sandbox or node._file_state() is not None:
            repository = node.base.repository
            if FUNCTION_SOURCE_FILE_PATH not in repository.list_object_names():
                repository.put_object_from_bytes(self.source, FUNCTION_SOURCE_FILE_PATH)
            return
        key = node.backend.get_repository().put_object_from_filelike(io.BytesIO(self.source))
        node.repository_metadata = {"o": {FUNCTION_SOURCE_FILE_PATH: {"k": key}}}


def function_info(function: Callable[..., Any]) -> FunctionInfo:
    """Inspect ``function``; what cannot be found (e.g. code typed at a prompt) is left out."""
    attributes: dict[str, Any] = {FUNCTION_NAME_KEY: function.__name__}
    try:
        lines, start = inspect.getsourcelines(function)
    except (OSError, TypeError):
        pass
    else:
        attributes[FUNCTION_STARTING_LINE_KEY] = start
        attributes[FUNCTION_NUMBER_OF_LINES_KEY] = len(lines)
    namespace = getattr(function, "__globals__", {}).get("__name__")
    if isinstance(namespace, str):
        attributes[FUNCTION_NAMESPACE_KEY] = namespace
    source: bytes | None = None
    try:
        path = inspect.getsourcefile(function)
        if path:
            with open(path, "rb") as handle:
                source = handle.read()
    except (OSError, TypeError):
        LOGGER.debug("no source file for function %s", function.__name__)
    return FunctionInfo(attributes, source)


class FunctionNodeMixin:
    """Read access to the function a process-function node recorded."""

    FUNCTION_NAME_KEY: ClassVar[str] = FUNCTION_NAME_KEY
    FUNCTION_NAMESPACE_KEY: ClassVar[str] = FUNCTION_NAMESPACE_KEY
    FUNCTION_STARTING_LINE_KEY: ClassVar[str] = FUNCTION_STARTING_LINE_KEY
    FUNCTION_NUMBER_OF_LINES_KEY: ClassVar[str] = FUNCTION_NUMBER_OF_LINES_KEY
    FUNCTION_SOURCE_FILE_PATH: ClassVar[str] = FUNCTION_SOURCE_FILE_PATH

    def _function_attribute(self, key: str) -> Any:
        node: Node = self  # type: ignore[assignment]
        return node.base.attributes.get(key, None)

    @property
    def function_name(self) -> str | None:
        value = self._function_attribute(FUNCTION_NAME_KEY)
        return None if value is None else str(value)

    @property
    def function_namespace(self) -> str | None:
        value = self._function_attribute(FUNCTION_NAMESPACE_KEY)
        return None if value is None else str(value)

    @property
    def function_starting_line_number(self) -> int | None:
        value = self._function_attribute(FUNCTION_STARTING_LINE_KEY)
        return None if value is None else int(value)

    @property
    def function_number_of_lines(self) -> int | None:
        value = self._function_attribute(FUNCTION_NUMBER_OF_LINES_KEY)
        return None if value is None else int(value)

    def get_source_code_file(self) -> str | None:
        """The text of the source file the function was defined in; None if it was not recorded
        (a function typed at a prompt has no file), as in aiida-core."""
        node: Node = self  # type: ignore[assignment]
        try:
            return node.base.repository.get_object_content(FUNCTION_SOURCE_FILE_PATH)
        except (FileNotFoundError, OSError):
            return None

    def get_source_code_function(self) -> str | None:
        """The lines of the function itself, or None if the source file was not recorded."""
        start, count = self.function_starting_line_number, self.function_number_of_lines
        if start is None or count is None:
            return None
        text = self.get_source_code_file()
        if text is None:
            return None
        lines = text.splitlines(keepends=True)
        return "".join(lines[start - 1 : start - 1 + count])
