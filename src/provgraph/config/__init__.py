"""Configuration: where provgraph keeps its settings, the profiles and ``config.json``."""

from __future__ import annotations

from provgraph.config.config import Config
from provgraph.config.paths import CONFIG_FILENAME, ensure_config_dir, get_config_dir
from provgraph.config.profile import DEFAULT_USER_EMAIL, Profile, validate_profile_name
from provgraph.config.schema import CONFIG_VERSION, OLDEST_COMPATIBLE_CONFIG_VERSION

__all__ = [
    "CONFIG_FILENAME",
    "CONFIG_VERSION",
    "DEFAULT_USER_EMAIL",
    "OLDEST_COMPATIBLE_CONFIG_VERSION",
    "Config",
    "Profile",
    "ensure_config_dir",
    "get_config_dir",
    "validate_profile_name",
]
