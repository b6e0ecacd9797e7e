"""Functions a test hands to worker processes (importable there by name)."""

from __future__ import annotations

import os
from typing import Any


def die(*_: Any) -> bytes:
    """A worker process killed mid-task (as by the OOM killer)."""
    os._exit(1)
