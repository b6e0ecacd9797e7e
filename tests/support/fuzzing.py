"""Hypothesis building blocks for fuzzing the channel parsers."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st

from services.ingest.interactions.schemas import InteractionCreate
from shared import ProblemError

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=15,
)


def parses_or_4xx(parse: Callable[[bytes], object], body: bytes) -> None:
    """A parser either returns interactions or raises a 4xx problem; nothing else."""
    try:
        result = parse(body)
    except ProblemError as exc:
        assert 400 <= exc.status < 500
    else:
        items = result if isinstance(result, list) else [result]
        assert all(isinstance(i, InteractionCreate) for i in items)
