"""The package's public names, imported from their modules on first use."""
from __future__ import annotations

import importlib

import pytest

import scoring


def test_every_public_name_has_a_home_and_only_those() -> None:
    assert sorted(scoring.__all__) == sorted(scoring._HOMES)


@pytest.mark.parametrize("name", scoring.__all__)
def test_each_public_name_is_its_home_modules(name: str) -> None:
    home = importlib.import_module(f"scoring.{scoring._HOMES[name]}")
    assert getattr(scoring, name) is getattr(home, name)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        scoring.nothing  # noqa: B018
