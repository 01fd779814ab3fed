"""Base classes for the wire types.

Inputs forbid unknown fields (a typo is a 422, never silently ignored); outputs ignore unknown
fields, so an older SDK keeps working against a newer server that adds keys.
"""

from pydantic import BaseModel, ConfigDict

# defer_build on outputs: a type's validator is built on first use, not at import, so
# `import modelyard` stays fast for SDK users (about 20 ms, measured by bench/sdk.py). Inputs are
# built eagerly: FastAPI's body handling fails on deferred models (seen with FastAPI 0.165).


class InputType(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OutputType(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)


# No NUL in any text a client sends: PostgreSQL's text cannot hold it (a 500 there, stored as is
# on SQLite), and no name or description needs it.
NO_NUL = r"^[^\x00]*$"
