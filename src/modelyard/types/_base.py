"""Base classes for the wire types.

Inputs forbid unknown fields (a typo is a 422, never silently ignored); outputs ignore unknown
fields, so an older SDK keeps working against a newer server that adds keys.
"""

from pydantic import BaseModel, ConfigDict

# defer_build: a type's validator is built on first use, not at import, so `import modelyard`
# stays fast for SDK users who touch a few types (about 20 ms saved, measured by bench/sdk.py).


class InputType(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class OutputType(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
