"""Time-ordered ids: valid version 7 UUIDs, ordered by creation time, never repeated."""

from __future__ import annotations

import time
import uuid

from shared import uuid7


def test_a_new_id_is_a_version_7_uuid_carrying_the_time_in_milliseconds() -> None:
    before = time.time_ns() // 1_000_000
    new = uuid7()
    after = time.time_ns() // 1_000_000
    assert new.version == 7 and new.variant == uuid.RFC_4122
    assert before <= new.int >> 80 <= after
    assert uuid.UUID(str(new)) == new


def test_ids_made_later_sort_later_and_do_not_repeat() -> None:
    first = [uuid7() for _ in range(2000)]
    time.sleep(0.002)
    second = [uuid7() for _ in range(2000)]
    assert max(first) < min(second)
    assert len({*first, *second}) == 4000


def test_ids_made_together_are_ascending_version_7_strings_of_their_time_and_unique() -> None:
    from shared import uuid7_strings

    before = time.time_ns() // 1_000_000
    made = uuid7_strings(5000)
    after = time.time_ns() // 1_000_000
    ids = [uuid.UUID(text) for text in made]
    assert [str(i) for i in ids] == made  # the canonical form
    assert all(i.version == 7 and i.variant == uuid.RFC_4122 for i in ids)
    assert all(before <= i.int >> 80 <= after for i in ids)
    assert len(set(made)) == 5000 and uuid7_strings(0) == []
    assert made == sorted(made) and ids == sorted(ids)  # in order: appended, not scattered
    time.sleep(0.002)
    assert max(made) < str(uuid7())
