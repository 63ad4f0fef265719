"""``RemoteStashData`` and its three storable kinds (folder copy, archive, custom script)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from provgraph.common.datastructures import StashMode
from provgraph.orm.nodes.data.data import Data

__all__ = ["RemoteStashCompressedData", "RemoteStashCustomData", "RemoteStashData", "RemoteStashFolderData"]

_COMPRESSED_MODES = (
    StashMode.COMPRESS_TAR,
    StashMode.COMPRESS_TARBZ2,
    StashMode.COMPRESS_TARGZ,
    StashMode.COMPRESS_TARXZ,
)


class RemoteStashData(Data, node_type="data.core.remote.stash.RemoteStashData."):
    """The stash mode of a stash; only the subclasses, one per kind of stash, are stored (as AiiDA)."""

    _storable: ClassVar[bool] = False
    _unstorable_message: ClassVar[str] = "store one of its kinds, e.g. RemoteStashFolderData"
    _allowed_modes: ClassVar[tuple[StashMode, ...]] = tuple(StashMode)

    def __init__(self, stash_mode: StashMode, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stash_mode = stash_mode

    @property
    def stash_mode(self) -> StashMode:
        return StashMode(self.base.attributes.get("stash_mode"))

    @stash_mode.setter
    def stash_mode(self, value: StashMode) -> None:
        mode = StashMode(value)
        if mode not in self._allowed_modes:
            allowed = ", ".join(repr(item.value) for item in self._allowed_modes)
            raise ValueError(f"{type(self).__name__} takes the stash modes {allowed}, got {mode.value!r}")
        self.base.attributes.set("stash_mode", mode.value)

    @property
    def target_basepath(self) -> str:
        """The folder on the computer that holds the stash."""
        return str(self.base.attributes.get("target_basepath"))

    @target_basepath.setter
    def target_basepath(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"target_basepath must be a str, got {type(value).__name__}")
        self.base.attributes.set("target_basepath", value)

    @property
    def source_list(self) -> list[str]:
        """The files and folders of the working directory that were stashed."""
        return list(self.base.attributes.get("source_list"))

    @source_list.setter
    def source_list(self, value: Sequence[str]) -> None:
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise TypeError(f"source_list must be a list of paths, got {type(value).__name__}")
        self.base.attributes.set("source_list", list(value))

    @property
    def fail_on_missing(self) -> bool:
        return bool(self.base.attributes.get("fail_on_missing", False))

    @fail_on_missing.setter
    def fail_on_missing(self, value: bool) -> None:
        self.base.attributes.set("fail_on_missing", bool(value))

    def _set_stash(self, target_basepath: str, source_list: Sequence[str], fail_on_missing: bool) -> None:
        self.target_basepath = target_basepath
        self.source_list = source_list
        self.fail_on_missing = fail_on_missing


class RemoteStashFolderData(
    RemoteStashData, node_type="data.core.remote.stash.folder.RemoteStashFolderData."
):
    """Files copied to a folder on the computer (stash mode ``copy``)."""

    _storable: ClassVar[bool] = True
    _allowed_modes: ClassVar[tuple[StashMode, ...]] = (StashMode.COPY,)

    def __init__(
        self,
        stash_mode: StashMode,
        target_basepath: str,
        source_list: Sequence[str],
        fail_on_missing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(stash_mode, **kwargs)
        self._set_stash(target_basepath, source_list, fail_on_missing)


class RemoteStashCompressedData(
    RemoteStashData, node_type="data.core.remote.stash.compress.RemoteStashCompressedData."
):
    """Files packed into one archive on the computer (the ``tar*`` stash modes)."""

    _storable: ClassVar[bool] = True
    _allowed_modes: ClassVar[tuple[StashMode, ...]] = _COMPRESSED_MODES

    def __init__(
        self,
        stash_mode: StashMode,
        target_basepath: str,
        source_list: Sequence[str],
        dereference: bool,
        fail_on_missing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(stash_mode, **kwargs)
        self._set_stash(target_basepath, source_list, fail_on_missing)
        self.dereference = dereference

    @property
    def dereference(self) -> bool:
        """Whether symbolic links were followed when packing."""
        return bool(self.base.attributes.get("dereference"))

    @dereference.setter
    def dereference(self, value: bool) -> None:
        if not isinstance(value, bool):
            raise TypeError(f"dereference must be a bool, got {type(value).__name__}")
        self.base.attributes.set("dereference", value)


class RemoteStashCustomData(
    RemoteStashData, node_type="data.core.remote.stash.custom.RemoteStashCustomData."
):
    """Files stashed by a script of the user's (stash mode ``submit_custom_code``)."""

    _storable: ClassVar[bool] = True
    _allowed_modes: ClassVar[tuple[StashMode, ...]] = (StashMode.SUBMIT_CUSTOM_CODE,)

    def __init__(
        self,
        stash_mode: StashMode,
        target_basepath: str,
        source_list: Sequence[str],
        fail_on_missing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(stash_mode, **kwargs)
        self._set_stash(target_basepath, source_list, fail_on_missing)
