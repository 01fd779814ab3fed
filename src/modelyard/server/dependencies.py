"""What routes receive: the services (from app state) and the caller (from the gate).

All `async def`: FastAPI runs a plain `def` dependency in its thread pool, a hop per request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from modelyard.registry.audit import AuditService
from modelyard.registry.identity import Actor, Principal
from modelyard.registry.models import ModelService
from modelyard.registry.tenancy import TenancyService


async def principal(request: Request) -> Principal:
    found: Principal = request.scope["state"]["principal"]
    return found


async def actor(request: Request) -> Actor:
    state = request.scope["state"]
    return Actor(state["principal"], state.get("request_id"))


async def model_service(request: Request) -> ModelService:
    service: ModelService = request.app.state.models
    return service


async def tenancy_service(request: Request) -> TenancyService:
    service: TenancyService = request.app.state.tenancy
    return service


async def audit_service(request: Request) -> AuditService:
    service: AuditService = request.app.state.audit
    return service


CurrentPrincipal = Annotated[Principal, Depends(principal)]
CurrentActor = Annotated[Actor, Depends(actor)]
Models = Annotated[ModelService, Depends(model_service)]
Tenancy = Annotated[TenancyService, Depends(tenancy_service)]
Audit = Annotated[AuditService, Depends(audit_service)]
