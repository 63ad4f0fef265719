"""aiida-core's ``aiida.manage.configuration.settings``: where the config folder is.

provgraph's folder is ``$PROVGRAPH_PATH`` (default ``~/.provgraph``); ``AiiDAConfigDir.set``
points this process at another folder, as aiida-core's does.

Example::

    from provgraph.manage.configuration.settings import AiiDAConfigDir
    AiiDAConfigDir.set("/tmp/scratch-config")   # later loads read /tmp/scratch-config/config.json
"""

from __future__ import annotations

import os
from pathlib import Path

from provgraph.config.paths import DEFAULT_CONFIG_DIRNAME, ENV_CONFIG_DIR, get_config_dir
from provgraph.manager import get_manager

__all__ = ["DEFAULT_AIIDA_PATH_VARIABLE", "DEFAULT_CONFIG_DIR_NAME", "AiiDAConfigDir"]

DEFAULT_AIIDA_PATH_VARIABLE = ENV_CONFIG_DIR
DEFAULT_CONFIG_DIR_NAME = DEFAULT_CONFIG_DIRNAME


class AiiDAConfigDir:
    """The config folder of this process."""

    @staticmethod
    def get() -> Path:
        """The config folder in use."""
        return get_config_dir()

    @staticmethod
    def set(path: str | os.PathLike[str] | None = None) -> None:
        """Use ``path`` as the config folder from now on (``None``: the default); unloads the profile."""
        if path is None:
            os.environ.pop(ENV_CONFIG_DIR, None)
        else:
            os.environ[ENV_CONFIG_DIR] = str(Path(path).expanduser().absolute())
        get_manager().reset()
