"""`NOT_GIVEN`: "the caller did not pass this", which is not the same as passing `None`."""

from typing import Final, Literal


class NotGiven:
    """The type of `NOT_GIVEN`; falsy, so `if value:` treats it like an absent value."""

    _instance: "NotGiven | None" = None

    def __new__(cls) -> "NotGiven":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()
