"""Base classes for the wire types.

Inputs forbid unknown fields (a typo is a 422, never silently ignored); outputs ignore unknown
fields, so an older SDK keeps working against a newer server that adds keys.
"""

from pydantic import BaseModel, ConfigDict

# defer_build: a type's validator is built on first use, not at import, so `import modelyard`
# stays fast for SDK users (bench/sdk.py). FastAPI's body handling fails on deferred models (seen
# with FastAPI 0.165), so the server builds its inputs when its routes are imported
# (`build_input_types`).


class InputType(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class OutputType(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)


# No NUL in any text a client sends: PostgreSQL's text cannot hold it (a 500 there, stored as is
# on SQLite), and no name or description needs it.
NO_NUL = r"^[^\x00]*$"
# A name shown to people: no NUL, and at least one character that is not a space.
A_NAME = r"^[^\x00]*[^\x00\s][^\x00]*$"
# Ids (of models, roots) hold no control character at all: the registry never issues one.
NO_CONTROL = r"^[^\x00-\x1f\x7f]+$"
MODEL_ID_MAX_LENGTH = 512


def build_input_types() -> None:
    """Build every input type's validator now and turn deferral off for good: FastAPI wraps a body
    type in a `TypeAdapter`, which defers too when the type's config says so, and then fails."""
    pending = list(InputType.__subclasses__())
    while pending:
        model = pending.pop()
        model.model_config["defer_build"] = False
        model.model_rebuild(force=True)
        pending.extend(model.__subclasses__())
