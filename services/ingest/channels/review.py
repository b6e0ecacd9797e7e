"""Generic review-site JSON (one review) to an interaction."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from services.ingest.interactions.schemas import InteractionCreate

from ._common import (
    DEFAULT_MAX_JSON_BYTES,
    Id,
    NativeModel,
    Timestamp,
    author,
    build,
    guard,
    load_json,
    validate,
)

__all__ = ["parse_review"]


class _Reviewer(NativeModel):
    name: str | None = None
    profile_url: str | None = None
    reviews_count: int | None = Field(default=None, ge=0)


class _Review(NativeModel):
    id: Id
    site: str = Field(min_length=1, max_length=100)
    rating: float = Field(ge=1, le=5)
    title: str | None = None
    text: str = ""
    author: _Reviewer = Field(default_factory=_Reviewer)
    created_at: Timestamp
    url: str | None = None


@guard("review")
def parse_review(body: bytes, *, max_bytes: int = DEFAULT_MAX_JSON_BYTES) -> InteractionCreate:
    """Parse one review into a public interaction; the star rating goes to metadata."""
    data = load_json(body, max_bytes=max_bytes, what="review")
    review = validate(_Review, data, what="review")
    rating: float | int = int(review.rating) if review.rating.is_integer() else review.rating
    metadata: dict[str, Any] = {"site": review.site, "rating": rating, "url": review.url}
    return build(
        channel="review",
        visibility="public",
        # Review ids are only unique per site.
        external_id=f"{review.site}:{review.id}",
        occurred_at=review.created_at,
        author=author(
            name=review.author.name,
            profile_url=review.author.profile_url,
            posts=review.author.reviews_count,
        ),
        subject=review.title,
        text=review.text,
        metadata={k: v for k, v in metadata.items() if v is not None},
        raw=data,
    )
