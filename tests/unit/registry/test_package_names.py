"""``modelport.registry``'s names, imported from their modules on first use."""

from __future__ import annotations

import pytest

import modelport.registry as registry
from modelport.registry import entities, refs, store, uris


def test_every_listed_name_is_its_module_s_own() -> None:
    homes = {"entities": entities, "refs": refs, "store": store, "uris": uris}
    for name in registry.__all__:
        found = [home for home, module in homes.items() if hasattr(module, name)]
        assert found, name
        assert getattr(registry, name) is getattr(homes[found[0]], name)
    assert set(registry.__all__) <= set(dir(registry))


def test_an_unknown_name_is_an_attribute_error_naming_the_package() -> None:
    unknown = r"module 'modelport\.registry' has no attribute 'nope'"
    with pytest.raises(AttributeError, match=unknown):
        registry.nope  # noqa: B018
