"""Log levels and loggers with aiida-core's names (``aiida.common.log``), including ``REPORT``.

``REPORT`` (23) sits between INFO and WARNING: what a process reports about its progress. Importing
this module registers the level name with :mod:`logging` and gives every logger a ``report``
method, as aiida-core does.

Example::

    from provgraph.common.log import AIIDA_LOGGER, LOG_LEVEL_REPORT
    AIIDA_LOGGER.getChild("mine").report("relaxation converged in %d steps", 12)
"""

from __future__ import annotations

import contextlib
import enum
import io
import logging
from collections.abc import Iterator
from typing import Any

__all__ = [
    "AIIDA_LOGGER",
    "LOG_LEVELS",
    "LOG_LEVEL_REPORT",
    "LogLevels",
    "capture_logging",
    "configure_logging",
    "override_log_level",
]

LOG_LEVEL_REPORT = 23

logging.addLevelName(LOG_LEVEL_REPORT, "REPORT")


def report(self: logging.Logger | logging.LoggerAdapter[Any], msg: str, *args: Any, **kwargs: Any) -> None:
    """Log ``msg`` at the ``REPORT`` level."""
    self.log(LOG_LEVEL_REPORT, msg, *args, **kwargs)


setattr(logging, "REPORT", LOG_LEVEL_REPORT)  # noqa: B010  (a module attribute, as aiida-core sets it)
setattr(logging.Logger, "report", report)  # noqa: B010
setattr(logging.LoggerAdapter, "report", report)  # noqa: B010

LOG_LEVELS: dict[str, int] = {
    "NOTSET": logging.NOTSET,
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "REPORT": LOG_LEVEL_REPORT,
    "WARNING": logging.WARNING,
    "ERROR": logging.ERROR,
    "CRITICAL": logging.CRITICAL,
}


class LogLevels(str, enum.Enum):
    """The log level names a configuration may use."""

    NOTSET = "NOTSET"
    DEBUG = "DEBUG"
    INFO = "INFO"
    REPORT = "REPORT"
    WARNING = "WARNING"
    ERROR = "ERROR"
    CRITICAL = "CRITICAL"


#: The root of provgraph's loggers (aiida-core's ``AIIDA_LOGGER`` is the ``aiida`` logger).
AIIDA_LOGGER = logging.getLogger("provgraph")

#: Set by a command-line front end; kept for aiida-core's tests that reset them.
CLI_ACTIVE: bool | None = None
CLI_LOG_LEVEL: str | None = None


def configure_logging(
    with_orm: bool = False, daemon: bool = False, daemon_log_file: str | None = None
) -> None:
    """Set provgraph's root logger to the level of ``CLI_LOG_LEVEL`` (if set), REPORT otherwise.

    Records of process nodes reach the ``db_dblog`` table through the node's own logger, whatever
    this configuration says, so ``with_orm`` and the daemon arguments change nothing here; they are
    accepted for aiida-core's signature.
    """
    level = LOG_LEVELS.get(CLI_LOG_LEVEL or "", LOG_LEVEL_REPORT)
    AIIDA_LOGGER.setLevel(level)


@contextlib.contextmanager
def override_log_level(level: int = logging.CRITICAL) -> Iterator[None]:
    """Silence every log record at or below ``level`` for the duration of the block."""
    previous = logging.root.manager.disable
    logging.disable(level)
    try:
        yield
    finally:
        logging.disable(previous)


@contextlib.contextmanager
def capture_logging(logger: logging.Logger = AIIDA_LOGGER) -> Iterator[io.StringIO]:
    """Collect what ``logger`` emits during the block in a ``StringIO``."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
