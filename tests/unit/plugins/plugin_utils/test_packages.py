"""The dpkg state base's packages entry point reads once a run, and what it says about a request."""

from __future__ import annotations

from ansible_collections.nova.dgx.plugins.plugin_utils._packages import dpkg_status, packages_hold_state, packages_missing

# As `dpkg-query -W -f='${Package}\t${Version}\t${Status}\n'` prints it on a Debian 12 host.
QUERY = "\n".join([
    "chrony\t4.3-2+deb12u1\tinstall ok installed",
    "nvidia-open\t580.95.05-1\thold ok installed",
    "nvidia-driver-580-open\t580.95.05-1\thold ok installed",
    "nftables\t1.0.6-2+deb12u2\tdeinstall ok config-files",
    "libc6\t2.36-9+deb12u14\tinstall ok installed",
    "libc6\t2.36-9+deb12u14\tinstall ok not-installed",
    "sudo\t\tunknown ok not-installed",
    "garbage line without tabs",
    "odd\t1.0\tonly-two-words ok",
])


def test_the_query_is_parsed_per_package() -> None:
    dpkg = dpkg_status(QUERY)
    assert dpkg["chrony"] == {"version": "4.3-2+deb12u1", "want": "install", "state": "installed"}
    assert dpkg["nvidia-open"]["want"] == "hold"
    assert dpkg["nftables"]["state"] == "config-files"
    assert dpkg["libc6"]["state"] == "installed", "the installed instance of a multi-arch package wins"
    assert "odd" not in dpkg and "garbage line without tabs" not in dpkg


def test_installed_packages_satisfy_a_request_by_name_or_exact_version() -> None:
    dpkg = dpkg_status(QUERY)
    assert packages_missing(["chrony", "nvidia-open=580.95.05-1", "nvidia-open=580.95*"], dpkg) == []


def test_anything_not_installed_at_the_asked_version_is_missing() -> None:
    dpkg = dpkg_status(QUERY)
    asked = ["nftables", "sudo", "wireguard-tools", "nvidia-open=580.82.07-1", "chrony=4.3-2", "nvidia-open=575*"]
    assert packages_missing(asked, dpkg) == asked


def test_a_request_it_cannot_judge_goes_to_apt() -> None:
    dpkg = dpkg_status(QUERY)
    assert packages_missing(["chrony:amd64", "chrony>=4.0", "Chrony", ""], dpkg) == ["chrony:amd64", "chrony>=4.0", "Chrony", ""]


def test_hold_state_of_named_and_matching_packages() -> None:
    dpkg = dpkg_status(QUERY)
    state = packages_hold_state(dpkg, ["chrony=4.3-2+deb12u1", "sudo"], "^nvidia-")
    assert state == {"installed": ["chrony", "nvidia-driver-580-open", "nvidia-open"], "held": ["nvidia-driver-580-open", "nvidia-open"]}
    assert packages_hold_state(dpkg, ["nftables"]) == {"installed": [], "held": []}
