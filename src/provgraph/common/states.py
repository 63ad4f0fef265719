"""How a process's state reads to people, the same in the command line and the explorer.

>>> format_state("finished", 0), format_state("excepted"), format_state(None)
('Finished [0]', 'Excepted', '-')
>>> format_state("running", paused=True)
'Running (paused)'
"""

from __future__ import annotations

__all__ = ["format_state"]


def format_state(process_state: str | None, exit_status: int | None = None, *, paused: bool = False) -> str:
    """``Finished [0]``, ``Excepted``, ``Running (paused)``; ``-`` for a node without a state."""
    if not process_state:
        return "-"
    text = str(process_state).capitalize()
    if process_state == "finished" and exit_status is not None:
        text += f" [{exit_status}]"
    return text + (" (paused)" if paused else "")
