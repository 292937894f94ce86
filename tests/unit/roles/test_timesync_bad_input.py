"""Bad input to nova.dgx.timesync fails before anything on a host changes (see conftest.py)."""

from __future__ import annotations

import pytest


CASES = [
    ({"timesync_servers": ["ntp.example.org", 123]}, "timesync_servers[1] must be a host name or an IP address (a string), got int 123"),
    ({"timesync_pools": "pool.ntp.org"}, "timesync_pools must be a list"),
    ({"timesync_servers": [], "timesync_pools": []}, "timesync_servers and timesync_pools are both empty"),
    ({"timesync_serve": True, "timesync_allow": ["fleet"]}, "timesync_allow[0] must be an IPv4 or IPv6 network"),
    ({"timesync_serve": True}, "timesync_serve is true but timesync_allow is empty"),
    ({"timesync_local_stratum": 16}, "timesync_local_stratum must be a whole number from 0 to 15"),
    ({"timesync_max_offset": "fast"}, "argument 'timesync_max_offset' is of type str"),
    ({"timesync_max_offset": -0.5}, "timesync_max_offset must be a number greater than 0, got float -0.5"),
]


@pytest.mark.parametrize(("variables", "expected"), CASES)
def test_bad_input_fails_before_any_host_is_touched(role_batch, variables: dict, expected: str) -> None:
    role_batch("nova.dgx.timesync", CASES).failed_before_any_host(variables, expected)


def test_valid_input_passes_preflight_and_reaches_the_host(run_role) -> None:
    run_role.reached_the_host(run_role("nova.dgx.timesync", {"timesync_servers": ["10.99.0.12"]}), "Gather the facts this role needs")
