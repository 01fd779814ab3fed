"""Workspaces, API keys and the caller's own identity (`GET /v1/me`)."""

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from ._base import A_NAME, NO_NUL, InputType, OutputType

Scope = Literal["read", "write", "admin"]
WORKSPACE_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


class Me(OutputType):
    object: Literal["api_key"] = "api_key"
    id: str
    name: str | None = None
    scope: Scope | str  # outputs accept scopes a newer server may add
    workspace_id: str
    organization_id: str


class Workspace(OutputType):
    object: Literal["workspace"] = "workspace"
    id: str
    name: str
    tag: str
    created: int


class WorkspaceList(OutputType):
    object: Literal["list"] = "list"
    data: list[Workspace] = Field(default_factory=list)


class WorkspaceCreateIn(InputType):
    name: Annotated[str, StringConstraints(pattern=WORKSPACE_NAME_PATTERN), Field(strict=True)]


class ApiKey(OutputType):
    object: Literal["api_key"] = "api_key"
    id: str
    name: str | None = None
    scope: Scope | str
    workspace_id: str
    created: int
    last_used_at: int | None = None
    revoked_at: int | None = None


class ApiKeyCreated(ApiKey):
    key: str


class ApiKeyList(OutputType):
    object: Literal["list"] = "list"
    data: list[ApiKey] = Field(default_factory=list)


class ApiKeyRevoked(OutputType):
    object: Literal["api_key"] = "api_key"
    id: str
    revoked: bool = True


class ApiKeyCreateIn(InputType):
    workspace: Annotated[str, Field(min_length=1, max_length=128, pattern=NO_NUL, strict=True)]
    scope: Scope
    name: Annotated[str, Field(max_length=256, pattern=A_NAME, strict=True)] | None = None
