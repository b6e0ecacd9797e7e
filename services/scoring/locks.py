"""Scoring's advisory locks (`shared.AdvisoryLocks` under the service's name)."""

from __future__ import annotations

from shared import AdvisoryLocks

__all__ = ["advisory_key", "try_xact_lock", "xact_lock"]

_LOCKS = AdvisoryLocks("scoring")
advisory_key = _LOCKS.key
xact_lock = _LOCKS.xact_lock
try_xact_lock = _LOCKS.try_xact_lock
