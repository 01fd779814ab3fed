"""Base classes for the wire types.

Inputs forbid unknown fields (a typo is a 422, never silently ignored); outputs ignore unknown
fields, so an older SDK keeps working against a newer server that adds keys.
"""

from pydantic import BaseModel, ConfigDict


class InputType(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OutputType(BaseModel):
    model_config = ConfigDict(extra="ignore")
