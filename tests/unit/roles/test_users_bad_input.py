"""Bad input to nova.dgx.users fails before anything on a host changes (see conftest.py)."""

from __future__ import annotations

import pytest

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEufAr3CFlZnhNApZIW0GNwZv/huboaljOK4gi/Kp6hy ops@lab"


CASES = [
    ([{"uid": 3000, "groups": []}], "users_accounts[0]: field 'name' is missing"),
    ([{"name": "alice", "groups": "docker"}], "users_accounts[0] (alice): field 'groups' must be a list"),
    ([{"name": "ops"}, {"name": "bob", "state": "gone"}], "users_accounts[1] (bob): field 'state' must be one of present, absent"),
    ([{"name": "carol", "authorized_keys": [KEY[:48]]}], "users_accounts[0] (carol): field 'authorized_keys[0]' has a key body that is truncated"),
    ([{"name": "dave", "authorized_keys": ["ssh-dss AAAAB3NzaC1kc3M="]}], "users_accounts[0] (dave): field 'authorized_keys[0]' has unknown key type"),
    ([{"name": "ansible", "state": "absent"}], "the account Ansible connects as"),
]
BATCH = [({"users_accounts": users}, expected) for users, expected in CASES]


@pytest.mark.parametrize(("users", "expected"), CASES)
def test_bad_input_fails_before_any_host_is_touched(role_batch, users: object, expected: str) -> None:
    role_batch("nova.dgx.users", BATCH).failed_before_any_host({"users_accounts": users}, expected)


def test_valid_input_passes_preflight_and_reaches_the_host(run_role) -> None:
    result = run_role("nova.dgx.users", {"users_accounts": [{"name": "alice", "groups": ["adm"], "authorized_keys": [KEY]}]})
    run_role.reached_the_host(result, "Read the host's groups")


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"users_sudoers_file": "/etc/sudoers.d/nova.conf"}, "users_sudoers_file must name a file without '.'"),
        ({"users_default_shell": "bash"}, "users_default_shell must be an absolute path"),
        ({"users_groups": [{"name": "ml team"}]}, "users_groups[0]: field 'name' must match"),
        ({"users_control_hosts": ["ghost-01"]}, "users_control_hosts names ghost-01, not in the inventory"),
        ({"users_control_hosts": ["target"], "users_control_account": "root"}, "users_control_account must not be root"),
        ({"users_control_hosts": ["target"], "users_control_home": "/var/lib"}, "users_control_home must be a directory of its own"),
        ({"users_control_hosts": ["target"], "users_control_home": "var/lib/nova"}, "users_control_home must be an absolute path"),
        ({"users_control_hosts": ["target"], "users_control_groups": ["ssh users"]}, "users_control_groups[0] must match"),
    ],
)
def test_bad_role_settings_fail_before_any_host_is_touched(run_role, variables: dict, expected: str) -> None:
    run_role.failed_before_any_host(run_role("nova.dgx.users", {"users_accounts": [], **variables}), expected)
