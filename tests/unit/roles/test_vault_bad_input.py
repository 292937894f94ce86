"""Bad input to nova.dgx.vault fails before anything on a host changes (see conftest.py).

The facts are handed in as extra variables (as a real arm64 host's setup would report them): the
role's checks read the architecture, and gathering it would reach the host. Facts are not taken from
inventory host variables, so each case is a run of its own rather than one host of a batch.
"""

from __future__ import annotations

import pytest

BASE = {"ansible_facts": {"architecture": "aarch64"}, "vault_listen_addresses": ["127.0.0.1", "10.99.0.200"], "vault_init_unencrypted_keys": True}

CASES = [
    ({"vault_usage_gauge_period": "10 minutes"},
     "vault_usage_gauge_period must be none (the default) or a duration of one whole number and one unit (s, m or h) such as 10m,"
     " got \"10 minutes\""),
    ({"vault_usage_gauge_period": "0s"}, "vault_usage_gauge_period must be none (the default) or a duration"),
    ({"vault_version": "2.0.0"}, "vault_version 2.0.0 has no entry in vault_releases.openbao: add its url, sha256 and member per architecture"),
    ({"vault_cluster_port": 8200}, "vault_cluster_port must differ from vault_port"),
    ({"vault_tls_renew_days": 400}, "vault_tls_renew_days must be less than vault_tls_days"),
    ({"vault_seal": "static"}, "vault_seal is static but vault_static_seal_key_file is empty"),
    ({"vault_audit_file": "audit.log"}, "vault_audit_file must be an absolute path"),
]


@pytest.mark.parametrize(("variables", "expected"), CASES)
def test_bad_input_fails_before_any_host_is_touched(run_role, variables: dict, expected: str) -> None:
    run_role.failed_before_any_host(run_role("nova.dgx.vault", {**BASE, **variables}), expected)


def test_valid_input_passes_preflight_and_reaches_the_host(run_role) -> None:
    run_role.reached_the_host(run_role("nova.dgx.vault", {**BASE, "vault_usage_gauge_period": "10m"}), "Install what the role runs on the host")
