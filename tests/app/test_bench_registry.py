"""The one bench command knows every bench there is: each module in app/ and ui/ that holds
a ``bench_<name>(n, url)`` function is registered in ``BENCHES``, each entry names a function
that exists, and each registered bench without a screen runs here at a tiny N (the screens'
benches run in tests/ui/test_benches.py)."""

from __future__ import annotations

import ast
import importlib
import inspect
from functools import cache
from pathlib import Path

import pytest

from app.bench import BENCHES, BenchResult, run_bench

ROOT = Path(__file__).resolve().parents[2]

# Benches that run in tests/ui/test_benches.py (they need a QApplication), and the ones too
# long for the suite, each with where its working parts are tested instead.
SCREEN_BENCHES = {name for name, target in BENCHES.items() if target.startswith("ui.")}
NOT_RUN_HERE = {
    "desks": "20 s of real desks by design; its desk and checks: test_desks_invariants.py",
}


@cache
def _defined_bench_functions() -> dict[str, set[str]]:
    """module → the ``bench_*(n, url)`` functions it defines at its top level."""
    found: dict[str, set[str]] = {}
    for folder in ("app", "ui"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in tree.body:
                if (
                    isinstance(node, ast.FunctionDef)
                    and node.name.startswith("bench_")
                    and [a.arg for a in node.args.args][:1] == ["n"]
                    and len(node.args.args) == 2
                ):
                    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
                    found.setdefault(module.removesuffix(".__init__"), set()).add(node.name)
    return found


def _registered_function(name: str):
    module_name, function_name = BENCHES[name].split(":")
    return getattr(importlib.import_module(module_name), function_name)


def test_every_bench_module_has_its_benches_registered():
    registered = {name: _registered_function(name) for name in BENCHES}
    registered_modules = {function.__module__ for function in registered.values()}
    defined = _defined_bench_functions()
    assert len(defined) >= 10  # the scan found the capabilities' bench modules
    assert set(defined) - registered_modules == set()


@pytest.mark.parametrize("name", sorted(BENCHES))
def test_each_registered_bench_names_a_bench_function(name):
    function = _registered_function(name)
    assert callable(function) and function.__name__.startswith("bench_")
    assert list(inspect.signature(function).parameters)[:1] == ["n"]
    assert len(inspect.signature(function).parameters) == 2
    assert function.__name__ in _defined_bench_functions()[function.__module__]


def test_the_screens_benches_are_the_ui_modules_ones():
    assert SCREEN_BENCHES  # tests/ui/test_benches.py runs them
    assert all(BENCHES[name].startswith("ui.") for name in SCREEN_BENCHES)
    assert set(NOT_RUN_HERE) <= set(BENCHES)


@pytest.mark.parametrize("name", sorted(set(BENCHES) - SCREEN_BENCHES - set(NOT_RUN_HERE)), ids=str)
def test_each_bench_runs_at_a_tiny_size_and_reports_its_figures(name):
    results = run_bench(name, 3, None)
    assert results and all(isinstance(result, BenchResult) for result in results)
    assert all(result.bench.startswith(name) for result in results), [r.bench for r in results]
    assert all(result.seconds >= 0 for result in results)
    figures = [(result.bench, result.figure) for result in results]
    assert len(figures) == len(set(figures)), figures  # each figure once
