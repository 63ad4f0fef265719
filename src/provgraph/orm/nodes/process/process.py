"""``ProcessNode``: the record of a process run; not storable itself (use a concrete subclass).

A process node is stored when its process starts, with its inputs; while it runs only the
``_updatable_attributes`` (state, exit status, ...) change and outgoing links are added. When the
process terminates the engine seals the node: from then on nothing about it changes except its
extras, label, description, comments and logs (AiiDA's ``Sealable``).
"""

from __future__ import annotations

import enum
import importlib
import logging
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar

from provgraph.common.node_hash import PROCESS_UPDATABLE_ATTRIBUTES
from provgraph.exceptions import InputValidationError, LinkValidationError, ModificationNotAllowed
from provgraph.orm.logs import NodeLogger
from provgraph.orm.nodes.link_types import LinkType
from provgraph.orm.nodes.node import Node
from provgraph.orm.nodes.process.exit_code import ExitCode

__all__ = ["ProcessNode", "ProcessState"]

SEALED_KEY = "sealed"


class ProcessState(enum.Enum):
    """The states of a process; the value is what the ``process_state`` attribute holds."""

    CREATED = "created"
    WAITING = "waiting"
    RUNNING = "running"
    FINISHED = "finished"
    EXCEPTED = "excepted"
    KILLED = "killed"


_TERMINAL = frozenset({ProcessState.FINISHED, ProcessState.EXCEPTED, ProcessState.KILLED})


class ProcessNode(Node, node_type="process.ProcessNode."):
    """A process run: its inputs come in before it is stored, its outputs go out afterwards."""

    CHECKPOINT_KEY: ClassVar[str] = "checkpoints"
    EXCEPTION_KEY: ClassVar[str] = "exception"
    EXIT_MESSAGE_KEY: ClassVar[str] = "exit_message"
    EXIT_STATUS_KEY: ClassVar[str] = "exit_status"
    PROCESS_PAUSED_KEY: ClassVar[str] = "paused"
    PROCESS_LABEL_KEY: ClassVar[str] = "process_label"
    PROCESS_STATE_KEY: ClassVar[str] = "process_state"
    PROCESS_STATUS_KEY: ClassVar[str] = "process_status"
    METADATA_INPUTS_KEY: ClassVar[str] = "metadata_inputs"

    _unstorable_message: ClassVar[str] = "store a CalculationNode or WorkflowNode subclass instead"
    _hash_ignored_attributes: ClassVar[tuple[str, ...]] = ("metadata_inputs",)
    _updatable_attributes: ClassVar[frozenset[str]] = PROCESS_UPDATABLE_ATTRIBUTES
    #: Records logged while the unstored node runs, written with it (a list only while it runs).
    _pending_log_records: list[logging.LogRecord] | None = None

    # -- sealing ----------------------------------------------------------------------------------

    @property
    def process_class(self) -> Any:
        """What ran to make this node, loaded from ``process_type`` (aiida-core's property).

        ``group:name`` strings are entry points (aiida's groups read as provgraph's); other strings
        are ``module.attribute`` paths. ``ValueError`` says which could not be loaded and why.
        """
        process_type = self.process_type
        if not process_type:
            raise ValueError(f"no process type for Node<{self.pk}>: cannot recreate process class")
        if ":" in process_type:
            try:
                return _load_entry_point(process_type)
            except LookupError as error:
                where = f"entry point `{process_type}` for Node<{self.pk}>"
                raise ValueError(f"could not load process class for {where}: {error}") from error
        found = _load_dotted(process_type)
        if found is None:
            raise ValueError(f"could not load process class from `{process_type}` for Node<{self.pk}>")
        return found

    @property
    def is_sealed(self) -> bool:
        return bool(self.base.attributes.get(SEALED_KEY, False))

    def seal(self) -> ProcessNode:
        """Freeze the node: no more attribute changes or links. Sealing twice is harmless."""
        if not self.is_sealed:
            self.base.attributes.set(SEALED_KEY, True)
        return self

    def _check_attributes_mutable(self, keys: Any) -> None:
        if self.is_stored and self.is_sealed:
            raise ModificationNotAllowed(
                f"cannot change the attributes of sealed process node pk={self.pk}: a terminated "
                "process is immutable (extras, label and description stay changeable)"
            )
        super()._check_attributes_mutable(keys)

    def _validate_incoming(self, source: Node, link_type: LinkType, link_label: str) -> None:
        if self.is_sealed:
            raise ModificationNotAllowed(f"cannot add a link into sealed process node {self.pk or self.uuid}")
        if self.is_stored:
            raise LinkValidationError(
                f"cannot add a {getattr(link_type, 'value', link_type)} link into stored process node "
                f"pk={self.pk}: the inputs of a process are attached before it is stored"
            )
        super()._validate_incoming(source, link_type, link_label)

    def _validate_outgoing(self, target: Node, link_type: LinkType, link_label: str) -> None:
        if self.is_sealed:
            raise ModificationNotAllowed(
                f"cannot add a link from sealed process node {self.pk or self.uuid}: it has terminated"
            )
        super()._validate_outgoing(target, link_type, link_label)

    # -- state --------------------------------------------------------------------------------------

    @property
    def logger(self) -> NodeLogger:
        """The node's logger: records at or above REPORT also go to ``db_dblog`` (AiiDA's logger name)."""
        return NodeLogger(self.logger_name(), self)

    @classmethod
    def logger_name(cls) -> str:
        """AiiDA names a node's logger after its class path: ``aiida.orm.nodes.<node_type>``."""
        return "aiida.orm.nodes." + cls.class_node_type.rstrip(".")

    @property
    def process_label(self) -> str | None:
        return _optional_str(self.base.attributes.get(self.PROCESS_LABEL_KEY, None))

    def set_process_label(self, label: str) -> None:
        self.base.attributes.set(self.PROCESS_LABEL_KEY, label)

    @property
    def process_state(self) -> ProcessState | None:
        value = self.base.attributes.get(self.PROCESS_STATE_KEY, None)
        return None if value is None else ProcessState(value)

    def set_process_state(self, state: ProcessState | str | None) -> None:
        value = None if state is None else ProcessState(state).value
        self.base.attributes.set(self.PROCESS_STATE_KEY, value)

    @property
    def process_status(self) -> str | None:
        return _optional_str(self.base.attributes.get(self.PROCESS_STATUS_KEY, None))

    def set_process_status(self, status: str | None) -> None:
        if status is None:
            if self.PROCESS_STATUS_KEY in self.base.attributes:
                self.base.attributes.delete(self.PROCESS_STATUS_KEY)
            return
        if not isinstance(status, str):
            raise InputValidationError(
                f"process_status must be a str, got {type(status).__name__} {status!r}"
            )
        self.base.attributes.set(self.PROCESS_STATUS_KEY, status)

    @property
    def is_terminated(self) -> bool:
        return self.process_state in _TERMINAL

    @property
    def is_excepted(self) -> bool:
        return self.process_state is ProcessState.EXCEPTED

    @property
    def is_killed(self) -> bool:
        return self.process_state is ProcessState.KILLED

    @property
    def is_finished(self) -> bool:
        return self.process_state is ProcessState.FINISHED

    @property
    def is_finished_ok(self) -> bool:
        return self.is_finished and self.exit_status == 0

    @property
    def is_failed(self) -> bool:
        return self.is_finished and self.exit_status != 0

    @property
    def exit_code(self) -> ExitCode | None:
        """The exit status and message as an ``ExitCode``; None unless both are set (as in aiida-core)."""
        status, message = self.exit_status, self.exit_message
        return None if status is None or message is None else ExitCode(status, message)

    @property
    def exit_status(self) -> int | None:
        value = self.base.attributes.get(self.EXIT_STATUS_KEY, None)
        return None if value is None else int(value)

    def set_exit_status(self, status: int | enum.Enum | None) -> None:
        if isinstance(status, enum.Enum):
            status = status.value
        if status is not None and (isinstance(status, bool) or not isinstance(status, int)):
            raise InputValidationError(f"exit_status must be an int, got {type(status).__name__} {status!r}")
        self.base.attributes.set(self.EXIT_STATUS_KEY, status)

    @property
    def exit_message(self) -> str | None:
        return _optional_str(self.base.attributes.get(self.EXIT_MESSAGE_KEY, None))

    def set_exit_message(self, message: str | None) -> None:
        if message is None:
            return
        if not isinstance(message, str):
            raise InputValidationError(
                f"exit_message must be a str, got {type(message).__name__} {message!r}"
            )
        self.base.attributes.set(self.EXIT_MESSAGE_KEY, message)

    @property
    def exception(self) -> str | None:
        """The exception text of an excepted process ('' if none was recorded), else None."""
        if not self.is_excepted:
            return None
        return str(self.base.attributes.get(self.EXCEPTION_KEY, ""))

    def set_exception(self, exception: str) -> None:
        if not isinstance(exception, str):
            raise InputValidationError(f"exception must be a str, got {type(exception).__name__}")
        self.base.attributes.set(self.EXCEPTION_KEY, exception)

    @property
    def checkpoint(self) -> str | None:
        return _optional_str(self.base.attributes.get(self.CHECKPOINT_KEY, None))

    @property
    def paused(self) -> bool:
        return bool(self.base.attributes.get(self.PROCESS_PAUSED_KEY, False))

    @property
    def metadata_inputs(self) -> dict[str, Any] | None:
        value = self.base.attributes.get(self.METADATA_INPUTS_KEY, None)
        return None if value is None else dict(value)

    # -- neighbours -------------------------------------------------------------------------------

    @property
    def called(self) -> list[ProcessNode]:
        """The processes this one called (CALL_CALC / CALL_WORK)."""
        triples = self.base.links.get_outgoing(link_type=(LinkType.CALL_CALC, LinkType.CALL_WORK))
        return [node for node in triples.all_nodes() if isinstance(node, ProcessNode)]

    @property
    def caller(self) -> ProcessNode | None:
        """The process that called this one, or None for a top-level process."""
        found = self.base.links.get_incoming(link_type=(LinkType.CALL_CALC, LinkType.CALL_WORK)).first()
        return found.node if found is not None and isinstance(found.node, ProcessNode) else None

    # -- dumping to a folder ----------------------------------------------------------------------

    def dump(  # noqa: PLR0917 (aiida-core's signature)
        self,
        output_path: str | Path | None = None,
        dry_run: bool = False,
        overwrite: bool = False,
        include_inputs: bool = True,
        include_outputs: bool = False,
        include_attributes: bool = True,
        include_extras: bool = False,
        flat: bool = False,
        dump_unsealed: bool = False,
    ) -> Path:
        """Write this process to ``output_path`` in ``verdi process dump``'s layout; return the path.

        See :mod:`provgraph.orm.dumping.process`; an unsealed process is refused unless
        ``dump_unsealed``.
        """
        from provgraph.orm.dumping.process import ProcessDumpOptions, dump_process

        options = ProcessDumpOptions(
            include_inputs=include_inputs,
            include_outputs=include_outputs,
            include_attributes=include_attributes,
            include_extras=include_extras,
            flat=flat,
            dump_unsealed=dump_unsealed,
        )
        return dump_process(self, output_path, options=options, dry_run=dry_run, overwrite=overwrite)


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _load_entry_point(text: str) -> Any:
    """The object of an entry point ``group:name`` (``aiida.*`` groups read as ``provgraph.*``)."""
    group, _, name = text.partition(":")
    if group.startswith("aiida."):
        group = "provgraph." + group[len("aiida.") :]
    matches = [entry for entry in entry_points(group=group) if entry.name == name]
    if not matches:
        raise LookupError(f"no entry point {name!r} in group {group!r}")
    try:
        return matches[0].load()
    except Exception as error:  # an installed plugin that fails to import
        raise LookupError(f"entry point {name!r} of {group!r} does not load: {error}") from error


def _load_dotted(path: str) -> Any:
    """The object at ``package.module.attribute...``, trying the longest importable module first."""
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            target: Any = importlib.import_module(".".join(parts[:cut]))
            for name in parts[cut:]:
                target = getattr(target, name)
        except (ImportError, AttributeError, ValueError):
            continue
        return target
    return None
