"""Where provgraph keeps its configuration on disk.

The folder named by ``$PROVGRAPH_PATH`` *is* the config folder (no ``.aiida``-style suffix is
appended), so tests and users can point provgraph at any directory they like.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from provgraph.exceptions import ConfigurationError

__all__ = [
    "ACCESS_DIRNAME",
    "CONFIG_FILENAME",
    "DEFAULT_CONFIG_DIRNAME",
    "DIR_MODE",
    "ENV_CONFIG_DIR",
    "FILE_MODE",
    "ensure_config_dir",
    "ensure_private_dir",
    "get_config_dir",
]

LOGGER = logging.getLogger(__name__)

ENV_CONFIG_DIR = "PROVGRAPH_PATH"
DEFAULT_CONFIG_DIRNAME = ".provgraph"
CONFIG_FILENAME = "config.json"
ACCESS_DIRNAME = "access"

# A storage URL in the config may hold a password, so only the owner may read what we write.
DIR_MODE = 0o700
FILE_MODE = 0o600


def get_config_dir() -> Path:
    """The config folder: ``$PROVGRAPH_PATH`` if set (and not empty), else ``~/.provgraph``."""
    configured = os.environ.get(ENV_CONFIG_DIR, "")
    if configured:
        return Path(configured).expanduser().absolute()
    return Path.home() / DEFAULT_CONFIG_DIRNAME


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) readable by the owner only; leave an existing one as it is.

    An existing folder keeps its mode: it may be one the user chose to share on purpose.
    """
    if not path.is_dir():
        if path.parent != path and not path.parent.exists():
            ensure_private_dir(path.parent)  # mkdir(parents=True) would make parents world-readable
        try:
            path.mkdir(mode=DIR_MODE, exist_ok=True)
            # mkdir's mode is filtered by the umask; say exactly what we mean.
            os.chmod(path, DIR_MODE)
        except OSError as exc:
            raise ConfigurationError(f"cannot create folder {path}: {exc.strerror or exc}") from exc
        LOGGER.info("created provgraph folder %s", path)
    return path


def ensure_config_dir() -> Path:
    """The config folder, created (mode 0700) if it does not exist yet."""
    return ensure_private_dir(get_config_dir())
