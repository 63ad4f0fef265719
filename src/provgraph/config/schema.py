"""The layout of ``config.json`` (aiida-core's config version 10), checked with pydantic.

The models only *check* a config; the parsed JSON stays the source of truth, so keys this
version does not know (written by AiiDA or a newer provgraph) survive a round trip untouched.
Strict mode: JSON has real types, and ``"false"`` for a boolean is a mistake worth reporting.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from provgraph.config.profile import validate_profile_name
from provgraph.exceptions import InvalidProfileNameError

__all__ = [
    "CONFIG_VERSION",
    "OLDEST_COMPATIBLE_CONFIG_VERSION",
    "ConfigSchema",
    "ProfileSchema",
    "format_validation_error",
]

CONFIG_VERSION = 10
OLDEST_COMPATIBLE_CONFIG_VERSION = 10

_MAX_REPORTED_ERRORS = 3
_MAX_INPUT_REPR = 40


class _Schema(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class ConfigVersionSchema(_Schema):
    CURRENT: int
    OLDEST_COMPATIBLE: int


class StorageSchema(_Schema):
    backend: str
    config: dict[str, Any] = Field(default_factory=dict)


class ProcessControlSchema(_Schema):
    backend: str | None = None
    config: dict[str, Any] = Field(default_factory=dict)


class ProfileSchema(_Schema):
    # Required: access records are keyed by it, so every process must see the same value.
    PROFILE_UUID: str
    storage: StorageSchema
    process_control: ProcessControlSchema = Field(default_factory=ProcessControlSchema)
    default_user_email: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    test_profile: bool = False


class ConfigSchema(_Schema):
    # Field order matters: ``default_profile`` is checked against the already validated profiles.
    CONFIG_VERSION: ConfigVersionSchema
    profiles: dict[str, ProfileSchema] = Field(default_factory=dict)
    default_profile: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)

    @field_validator("profiles")
    @classmethod
    def _check_profile_names(cls, profiles: dict[str, ProfileSchema]) -> dict[str, ProfileSchema]:
        for name in profiles:
            try:
                validate_profile_name(name)
            except InvalidProfileNameError as exc:
                raise PydanticCustomError("profile_name", "{reason}", {"reason": str(exc)}) from exc
        return profiles

    @field_validator("default_profile")
    @classmethod
    def _check_default_exists(cls, name: str | None, info: ValidationInfo) -> str | None:
        profiles = info.data.get("profiles")
        if name is not None and profiles is not None and name not in profiles:
            raise PydanticCustomError(
                "unknown_profile",
                "names profile '{name}', which is not in 'profiles' (known: {known})",
                {"name": name, "known": ", ".join(sorted(profiles)) or "none"},
            )
        return name


def _describe(error: Any) -> str:
    location = ".".join(str(part) for part in error["loc"]) or "(top level)"
    message = f"{location}: {error['msg']}"
    value = error.get("input")
    if error["type"] not in ("missing", "profile_name", "unknown_profile") and (
        value is None or isinstance(value, (bool, int, float, str))
    ):
        shown = repr(value)
        if len(shown) <= _MAX_INPUT_REPR:
            message += f" (got {shown})"
    return message


def format_validation_error(exc: ValidationError) -> str:
    """One line naming each bad key by its dotted path, e.g. ``profiles.x.storage.backend: ...``."""
    errors = exc.errors()
    parts = [_describe(error) for error in errors[:_MAX_REPORTED_ERRORS]]
    if len(errors) > _MAX_REPORTED_ERRORS:
        parts.append(f"and {len(errors) - _MAX_REPORTED_ERRORS} more")
    return "; ".join(parts)
