"""How fast a public post spreads, from its engagement and age."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.scoring.engine import velocity_per_hour

NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)


def test_reposts_replies_and_quotes_per_hour_since_publishing() -> None:
    engagement = {"reposts": 200, "replies": 80, "quotes": 20, "likes": 5_000}
    assert velocity_per_hour(engagement, occurred_at=NOW - timedelta(hours=2), now=NOW) == 150.0


def test_likes_alone_are_no_spread() -> None:
    assert velocity_per_hour({"likes": 900}, occurred_at=NOW - timedelta(hours=1), now=NOW) is None


def test_a_brand_new_post_is_averaged_over_a_few_minutes_not_a_second() -> None:
    fresh = velocity_per_hour({"reposts": 1}, occurred_at=NOW - timedelta(seconds=1), now=NOW)
    assert fresh == 12.0


def test_a_post_from_the_future_counts_as_just_published() -> None:
    skewed = velocity_per_hour({"reposts": 1}, occurred_at=NOW + timedelta(hours=3), now=NOW)
    assert skewed == 12.0


def test_old_posts_and_naive_times_have_no_velocity() -> None:
    assert velocity_per_hour({"reposts": 9}, occurred_at=NOW - timedelta(days=30), now=NOW) is None
    naive = datetime(2025, 3, 1, 11)
    assert velocity_per_hour({"reposts": 9}, occurred_at=naive, now=NOW) is None


@given(
    st.dictionaries(st.sampled_from(["reposts", "replies", "quotes", "likes"]), st.integers()),
    st.floats(min_value=-1e6, max_value=1e6),
)
def test_velocity_is_never_negative_nan_or_infinite(
    engagement: dict[str, int], age_hours: float
) -> None:
    v = velocity_per_hour(engagement, occurred_at=NOW - timedelta(hours=age_hours), now=NOW)
    assert v is None or (math.isfinite(v) and v > 0)
