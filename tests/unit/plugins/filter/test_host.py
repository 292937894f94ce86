"""nova.dgx.in_container: the one place that decides whether a host is a container."""

from __future__ import annotations

import pytest

from ansible_collections.nova.dgx.plugins.filter.host import FilterModule

IN_CONTAINER = FilterModule().filters()["in_container"]


@pytest.mark.parametrize(("facts", "expected"), [
    ({"virtualization_role": "guest", "virtualization_type": "docker"}, True),
    ({"virtualization_role": "guest", "virtualization_type": "lxc"}, True),
    ({"virtualization_role": "guest", "virtualization_type": "kvm"}, False),
    ({"virtualization_role": "host", "virtualization_type": "docker"}, False),
    ({}, False),
    (None, False),
])
def test_in_container(facts: object, expected: bool) -> None:
    assert IN_CONTAINER(facts) is expected
