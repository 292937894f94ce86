from __future__ import annotations

import copy
import ipaddress
import random

import pytest

from ansible_collections.nova.dgx.plugins.plugin_utils._fleet import FleetError, allocate, build_fleet

import netaddr


def _fleet(n: int = 3, cidr: object = "10.99.0.0/24", **extra: object) -> dict:
    hosts = [
        {"name": f"host-{i:03d}", "address": f"192.0.2.{i + 1}", "architecture": "x86_64", "roles": ["wireguard"]}
        for i in range(n)
    ]
    return {"plugin": "nova.dgx.fleet", "wireguard": {"cidr": cidr, "port": 51820}, "hosts": hosts, **extra}


def _addresses(data: dict) -> dict[str, tuple[str, ...]]:
    return {h.name: h.wireguard_addresses for h in build_fleet(data, "t.fleet.yml").hosts}


def _errors(data: dict) -> list[str]:
    with pytest.raises(FleetError) as info:
        build_fleet(data, "t.fleet.yml")
    return info.value.errors


def test_lab_shape_groups_and_hostvars() -> None:
    data = {
        "plugin": "nova.dgx.fleet",
        "sites": {"lab": {"vars": {"ntp": "mgmt-01"}}},
        "role_vars": {"dgx": {"driver": "580"}},
        "wireguard": {"cidr": "10.99.0.0/24", "hub": "mgmt-01"},
        "hosts": [
            {"name": "dgx-spark-01", "address": "172.31.240.11", "architecture": "arm64", "site": "lab", "roles": ["dgx", "wireguard"], "vars": {"x": 1}},
            {"name": "mgmt-01", "address": "172.31.240.12", "architecture": "amd64", "site": "lab", "roles": ["monitoring", "wireguard"]},
        ],
    }
    fleet = build_fleet(data, "lab.fleet.yml")
    groups = fleet.groups()
    assert groups["dgx"] == ["dgx-spark-01"] and groups["gpu"] == ["dgx-spark-01"]  # dgx implies gpu
    assert groups["site_lab"] == ["dgx-spark-01", "mgmt-01"]
    dgx = fleet.hostvars(fleet.hosts[0])
    assert dgx["ansible_host"] == "172.31.240.11" and dgx["fleet_architecture"] == "aarch64" and dgx["x"] == 1
    assert dgx["wireguard_port"] == 51820 and dgx["wireguard_hub"] is False
    assert dgx["wireguard_networks"] == ["10.99.0.0/24"]
    assert ipaddress.ip_address(dgx["wireguard_address"]) in ipaddress.ip_network("10.99.0.0/24")
    assert fleet.hostvars(fleet.hosts[1])["wireguard_hub"] is True
    assert fleet.role_vars == {"dgx": {"driver": "580"}} and fleet.sites == {"lab": {"ntp": "mgmt-01"}}


def test_allocation_is_deterministic() -> None:
    assert _addresses(_fleet(20, "10.99.0.0/16")) == _addresses(_fleet(20, "10.99.0.0/16"))


@pytest.mark.parametrize("cidr", ["10.99.0.0/16", "fd00:99::/64"])
def test_adding_or_removing_hosts_never_moves_another_host(cidr: str) -> None:
    rng = random.Random(7)
    base = _fleet(40, cidr)
    before = _addresses(base)
    for _attempt in range(25):
        changed = copy.deepcopy(base)
        # Remove some hosts, add some new ones, shuffle the order.
        changed["hosts"] = [h for h in changed["hosts"] if rng.random() > 0.3]
        changed["hosts"] += [
            {"name": f"new-{rng.randrange(10**6)}", "address": f"198.51.100.{i}", "architecture": "x86_64", "roles": ["wireguard"]}
            for i in range(rng.randrange(1, 6))
        ]
        rng.shuffle(changed["hosts"])
        after = _addresses(changed)
        for name, addresses in after.items():
            if name in before:
                assert addresses == before[name], name


def test_address_depends_only_on_name_and_network() -> None:
    network = netaddr.IPNetwork("10.99.0.0/24")
    address = allocate("dgx-spark-01", network)
    assert _addresses(_fleet(1) | {"hosts": [{"name": "dgx-spark-01", "address": "192.0.2.1", "architecture": "x86_64", "roles": ["wireguard"]}]}) == {
        "dgx-spark-01": (address,)
    }
    assert netaddr.IPAddress(address) not in (network.network, network.broadcast)


def test_explicit_addresses_are_honoured_and_dual_stack() -> None:
    data = _fleet(3, ["10.99.0.0/24", "fd00:99::/64"])
    data["hosts"][0]["wireguard_address"] = ["10.99.0.1", "fd00:99::1"]
    addresses = _addresses(data)
    assert addresses["host-000"] == ("10.99.0.1", "fd00:99::1")
    for name in ("host-001", "host-002"):
        v4, v6 = addresses[name]
        assert ipaddress.ip_address(v4).version == 4 and ipaddress.ip_address(v6).version == 6


def test_only_wireguard_hosts_get_overlay_addresses() -> None:
    data = _fleet(2)
    data["hosts"][1]["roles"] = ["postgres"]
    assert _addresses(data)["host-001"] == ()


def test_collision_names_both_hosts_and_suggests_a_free_address() -> None:
    data = _fleet(2)
    taken = allocate("host-001", netaddr.IPNetwork("10.99.0.0/24"))
    data["hosts"][0]["wireguard_address"] = taken
    errors = _errors(data)
    assert len(errors) == 1
    assert f"host host-001: allocated WireGuard address {taken} collides with host host-000" in errors[0]
    assert "pin one of them, e.g. wireguard_address: 10.99.0." in errors[0]


def test_every_problem_is_reported_with_file_host_and_field() -> None:
    data = _fleet(4, "10.99.0.0/24")
    data["hosts"][1]["name"] = "host-000"  # duplicate host
    data["hosts"][2]["address"] = "192.0.2.1"  # duplicate address (host-000's)
    data["hosts"][3]["roles"] = ["wireguard", "gpu-box"]  # unknown role
    data["hosts"].append({"name": "no-address", "architecture": "x86_64"})
    data["hosts"].append({"name": "bad-types", "address": "192.0.2.99", "architecture": "sparc", "roles": "dgx", "vars": []})
    errors = _errors(data)
    text = "\n".join(errors)
    assert all(e.startswith("t.fleet.yml: ") for e in errors)
    assert "host host-000: is listed twice (duplicate host name)" in text
    assert "host host-002: field 'address' 192.0.2.1 is already host host-000's" in text
    assert "host host-003: field 'roles' has unknown role 'gpu-box'" in text
    assert "host no-address: field 'address' is missing" in text
    assert "host bad-types: field 'architecture' must be one of aarch64, amd64, arm64, x86_64, got 'sparc'" in text
    assert "host bad-types: field 'roles': must be a list of roles, got str 'dgx'" in text
    assert "host bad-types: field 'vars': must be a mapping of variable names to values, got list" in text


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["hosts"][0].update(wireguard_address="10.98.0.5"),
         "host host-000: field 'wireguard_address' 10.98.0.5 is outside wireguard.cidr 10.99.0.0/24"),
        (lambda d: [h.update(wireguard_address="10.99.0.5") for h in d["hosts"][:2]],
         "host host-001: field 'wireguard_address' 10.99.0.5 is already host host-000's"),
        (lambda d: d["wireguard"].update(cidr="10.99.0.0/30"), "wireguard.cidr: 10.99.0.0/30 is exhausted: 3 hosts need addresses, it has 2"),
        (lambda d: d["wireguard"].update(cidr="10.99.0.1/24"), "wireguard.cidr: '10.99.0.1/24' has host bits set; the network is 10.99.0.0/24"),
        (lambda d: d["wireguard"].update(cidr="10.99.0.0"), "wireguard.cidr: '10.99.0.0' is not a CIDR"),
        (lambda d: d["wireguard"].update(cidr=["10.1.0.0/24", "10.2.0.0/24"]), "wireguard.cidr[1]: a second IPv4 CIDR"),
        (lambda d: d["wireguard"].update(port=70000), "wireguard.port: must be within 1-65535, got 70000"),
        (lambda d: d["wireguard"].update(port="51820"), "wireguard.port: must be a port number, got str '51820'"),
        (lambda d: d["wireguard"].update(hub="nobody"), "wireguard.hub: 'nobody' is not a host with role 'wireguard'"),
        (lambda d: d.pop("wireguard"), "hosts have role 'wireguard'"),
        (lambda d: d.update(hosts=[]), "hosts: must be a non-empty list of hosts"),
        (lambda d: d.update(colour="red"), "colour: unknown top-level key"),
        (lambda d: d["hosts"][0].update(site="mars"), "host host-000: field 'site' names unknown site 'mars'; sites: none defined"),
        (lambda d: d["hosts"][0].update(address="not an address!"), "host host-000: field 'address' 'not an address!' is neither an IP address nor a DNS name"),
        (lambda d: d["hosts"][0].pop("architecture"), "host host-000: field 'architecture' is missing"),
        (lambda d: d["hosts"][0].update(name="bad_name!"), "field 'name' 'bad_name!' is not a valid host name"),
        (lambda d: d["hosts"][0].update(roles=[], wireguard_address="10.99.0.9"), "lacks role 'wireguard'"),
        (lambda d: d.update(role_vars={"dbz": {}}), "role_vars.dbz: unknown role"),
    ],
)
def test_each_validation_error(mutate, expected: str) -> None:
    data = _fleet(3)
    mutate(data)
    assert any(expected in e for e in _errors(data)), _errors(data)


def test_not_a_mapping() -> None:
    assert "must be a mapping" in _errors([])[0]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["hosts"][0].update(wireguard_address="fd00::5"),
         "host host-000: field 'wireguard_address' fd00::5 is IPv6 but wireguard.cidr has no IPv6 network (10.99.0.0/24)"),
        (lambda d: d["hosts"][0].update(wireguard_address="10.99.0.0"), "host host-000: field 'wireguard_address' 10.99.0.0 is the network address"),
        (lambda d: d["hosts"][0].update(wireguard_address="10.99.0.255"),
         "host host-000: field 'wireguard_address' 10.99.0.255 is the broadcast address of 10.99.0.0/24"),
        (lambda d: d["hosts"][0].update(wireguard_address="10.99.0.999"), "host host-000: field 'wireguard_address' '10.99.0.999' is not an IP address"),
        (lambda d: d["wireguard"].update(cidr=[]), "wireguard.cidr: is an empty list"),
        (lambda d: d["hosts"][0].update(name="host-000\n"), "field 'name' 'host-000\\n' is not a valid host name"),
        (lambda d: d.update(sites={"lab a": {}}), "site 'lab a': the name would make the group 'site_lab a', which Ansible cannot use"),
        (lambda d: d.update(sites={"lab-a": {}}), "use letters, digits and '_' only"),
        (lambda d: d["hosts"][0].update(roles=[["dgx"]]), "host host-000: field 'roles' has unknown role ['dgx']"),
        (lambda d: d["wireguard"].update(hub=["host-000"]), "wireguard.hub: ['host-000'] is not a host with role 'wireguard'"),
        (lambda d: d["hosts"][0].update(address="x" * 10_000), "... (10002 characters)"),
    ],
)
def test_bad_values_are_named_never_python_errors(mutate, expected: str) -> None:
    data = _fleet(3)
    mutate(data)
    errors = _errors(data)
    assert any(expected in e for e in errors), errors
    assert all(len(e) < 400 for e in errors)


@pytest.mark.parametrize("bad", [[["x"]], {"a": 1}, 1.5, None, True, [], "", "x" * 1000])
@pytest.mark.parametrize("field", ["name", "address", "architecture", "site", "roles", "vars", "wireguard_address"])
def test_any_wrong_type_in_a_host_is_a_message(field: str, bad: object) -> None:
    data = _fleet(2)
    data["hosts"][0][field] = bad
    try:
        build_fleet(data, "t.fleet.yml")
    except FleetError as exc:
        assert all(e.startswith("t.fleet.yml: ") for e in exc.errors)


@pytest.mark.parametrize("key", ["sites", "role_vars", "wireguard", "hosts"])
@pytest.mark.parametrize("bad", [[["x"]], {"a": [1]}, {"a": {"vars": [1]}}, 7, "x"])
def test_any_wrong_type_at_the_top_is_a_message(key: str, bad: object) -> None:
    data = _fleet(2)
    data[key] = bad
    assert all(e.startswith("t.fleet.yml: ") for e in _errors(data))


def test_empty_data_says_the_file_is_empty() -> None:
    assert "is empty (or only comments)" in _errors(None)[0]  # type: ignore[arg-type]


def test_suggested_free_addresses_never_collide_with_each_other() -> None:
    network = netaddr.IPNetwork("10.99.0.0/24")
    data = _fleet(60, "10.99.0.0/24")
    # Pin hosts onto the addresses others would get, so many collisions need suggestions at once.
    for i in range(0, 60, 2):
        data["hosts"][i]["wireguard_address"] = allocate(data["hosts"][i + 1]["name"], network)
    errors = _errors(data)
    suggestions = [e.rsplit("wireguard_address: ", 1)[1] for e in errors if "collides" in e]
    assert len(suggestions) > 1 and len(set(suggestions)) == len(suggestions)
