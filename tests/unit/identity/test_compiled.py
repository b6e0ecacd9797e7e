"""The identity hot paths listed in setup.py run compiled, never from a build older than their
source (an edit without `make setup` would otherwise test and run the old code)."""

import importlib
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SETUP = runpy.run_path(str(ROOT / "setup.py"), run_name="setup")
COMPILED: list[str] = SETUP["COMPILED"]


def test_the_list_names_existing_modules() -> None:
    assert COMPILED and all((ROOT / source).is_file() for source in COMPILED)


@pytest.mark.parametrize(("source", "name"), zip(COMPILED, SETUP["MODULES"], strict=True))
def test_module_runs_compiled_from_its_current_source(source: str, name: str) -> None:
    path = Path(importlib.import_module(name).__file__ or "")
    assert path.suffix == ".so", f"{name} runs from {path.name}: `make setup` compiles it"
    assert path.stat().st_mtime >= (ROOT / source).stat().st_mtime, (
        f"{path.name} is older than {source}: `make setup` rebuilds it"
    )
