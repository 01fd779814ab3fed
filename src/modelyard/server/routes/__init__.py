"""The operations, one module per resource: each declares its operations and their handlers.

Handlers are thin: read the call's parameters, run one service method in a transaction, render.
No rules and no SQL here.
"""

from modelyard.types import _base

from . import aliases, audit, fine_tuning, models, ops, tenancy, webhooks

_base.build_input_types()

OPERATIONS = (
    *models.operations.declared,
    *fine_tuning.operations.declared,
    *aliases.operations.declared,
    *tenancy.operations.declared,
    *audit.operations.declared,
    *webhooks.operations.declared,
    *ops.operations.declared,
)
