"""The small results of delete, archive and unarchive."""

from typing import Literal

from ._base import OutputType


class DeleteModelOut(OutputType):
    id: str
    object: Literal["model"] = "model"
    deleted: bool = True


class ArchiveFTModelOut(OutputType):
    id: str
    object: Literal["model"] = "model"
    archived: bool = True


class UnarchiveFTModelOut(OutputType):
    id: str
    object: Literal["model"] = "model"
    archived: bool = False
