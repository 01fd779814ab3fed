"""Capability flags: the 14 of a model card and the 5 of a fine-tuned model (update response)."""

from typing import Final

from pydantic import ConfigDict

from ._base import InputType, OutputType

CAPABILITY_FLAGS: Final = (
    "completion_chat",
    "function_calling",
    "reasoning",
    "completion_fim",
    "fine_tuning",
    "vision",
    "ocr",
    "classification",
    "moderation",
    "audio",
    "audio_transcription",
    "audio_transcription_realtime",
    "audio_speech",
    "unified_resources",
)

FT_CAPABILITY_FLAGS: Final = (
    "completion_chat",
    "completion_fim",
    "function_calling",
    "fine_tuning",
    "classification",
)


class ModelCapabilities(OutputType):
    completion_chat: bool = False
    function_calling: bool = False
    reasoning: bool = False
    completion_fim: bool = False
    fine_tuning: bool = False
    vision: bool = False
    ocr: bool = False
    classification: bool = False
    moderation: bool = False
    audio: bool = False
    audio_transcription: bool = False
    audio_transcription_realtime: bool = False
    audio_speech: bool = False
    unified_resources: bool = False


class FTModelCapabilitiesOut(OutputType):
    completion_chat: bool = True
    completion_fim: bool = False
    function_calling: bool = False
    fine_tuning: bool = False
    classification: bool = False


class CapabilitiesIn(InputType):
    """Registration's capability overrides: any of the 14 flags, each a strict boolean."""

    model_config = ConfigDict(extra="forbid", strict=True)

    completion_chat: bool | None = None
    function_calling: bool | None = None
    reasoning: bool | None = None
    completion_fim: bool | None = None
    fine_tuning: bool | None = None
    vision: bool | None = None
    ocr: bool | None = None
    classification: bool | None = None
    moderation: bool | None = None
    audio: bool | None = None
    audio_transcription: bool | None = None
    audio_transcription_realtime: bool | None = None
    audio_speech: bool | None = None
    unified_resources: bool | None = None
