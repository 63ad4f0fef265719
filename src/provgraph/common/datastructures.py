"""Enumerations that aiida-core keeps in ``aiida.common.datastructures``.

provgraph runs no calculation jobs; these values appear in stored attributes (a stash mode, a
calculation job's state) and are defined here so that such nodes read back with aiida's types.
"""

from __future__ import annotations

import enum

__all__ = ["CalcJobState", "CodeRunMode", "StashMode", "UnstashTargetMode"]


class StashMode(enum.Enum):
    """How a calculation job's files were stashed."""

    COPY = "copy"
    COMPRESS_TAR = "tar"
    COMPRESS_TARBZ2 = "tar.bz2"
    COMPRESS_TARGZ = "tar.gz"
    COMPRESS_TARXZ = "tar.xz"
    SUBMIT_CUSTOM_CODE = "submit_custom_code"


class UnstashTargetMode(enum.Enum):
    """Where unstashed files go."""

    OriginalPlace = "OriginalPlace"
    NewRemoteData = "NewRemoteData"


class CalcJobState(enum.Enum):
    """The stage a calculation job's node was in."""

    UPLOADING = "uploading"
    SUBMITTING = "submitting"
    WITHSCHEDULER = "withscheduler"
    STASHING = "stashing"
    UNSTASHING = "unstashing"
    RETRIEVING = "retrieving"
    PARSING = "parsing"


class CodeRunMode(enum.IntEnum):
    """Whether several codes of one job ran one after the other or at once."""

    SERIAL = 0
    PARALLEL = 1
