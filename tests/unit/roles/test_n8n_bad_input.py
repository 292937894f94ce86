"""Bad input to nova.dgx.n8n fails before anything on a host changes (see conftest.py)."""

from __future__ import annotations

import pytest

BASE = {"n8n_listen_address": "10.99.0.12", "n8n_sources": ["10.99.0.0/24"]}


CASES = [
    ({"n8n_listen_address": "0.0.0.0"}, "n8n_listen_address may not be a wildcard"),
    ({"n8n_listen_address": "mgmt-01"}, "n8n_listen_address must be one IP address"),
    ({"n8n_port": 80}, "n8n_port must be a port from 1024 to 65535 other than 5679 and 5680"),
    ({"n8n_port": 5679}, "n8n_port must be a port from 1024 to 65535 other than 5679 and 5680"),
    ({"n8n_user": "root"}, "n8n_user must be an account name other than root"),
    ({"n8n_project_dir": "/opt/nova dgx"}, "n8n_project_dir must be an absolute directory"),
    ({"n8n_project_dir": "/opt/../etc"}, "n8n_project_dir must be an absolute directory"),
    ({"n8n_webhook_path": "run/../x"}, "n8n_webhook_path must be one lower-case path segment"),
    ({"n8n_notify_url": "http://hook/'; rm -rf /"}, "an http(s) URL without quotes or spaces"),
    ({"n8n_notify_url": "ftp://hook"}, "an http(s) URL without quotes or spaces"),
    ({"n8n_owner_email": "platform"}, "n8n_owner_email must be an e-mail address"),
    ({"n8n_owner_secret_path": "owner"}, "n8n_owner_secret_path must be a path in the secrets server"),
    ({"n8n_npm_registry": "registry.npmjs.org"}, "n8n_npm_registry must be a registry URL ending in /"),
    ({"n8n_extra_environment": {"NODES_EXCLUDE": "[]"}}, "n8n_extra_environment: 'NODES_EXCLUDE' is not a variable it may set"),
    ({"n8n_extra_environment": {"lower": "x"}}, "n8n_extra_environment: 'lower' is not a variable it may set"),
    ({"n8n_sources": []}, "n8n_sources is empty but n8n listens on 10.99.0.12"),
]


@pytest.mark.parametrize(("variables", "expected"), CASES)
def test_bad_input_fails_before_the_host(role_batch, variables: dict[str, object], expected: str) -> None:
    role_batch("nova.dgx.n8n", CASES, base=BASE).failed_before_any_host(variables, expected)


def test_valid_input_reaches_the_host(run_role) -> None:
    run_role.reached_the_host(run_role("nova.dgx.n8n", BASE), "Learn the host's architecture")
