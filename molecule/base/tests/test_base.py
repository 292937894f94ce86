"""Effective state after nova.dgx.base: what apt, the clock, locale and journald report."""

from __future__ import annotations


def test_package_came_from_the_signed_mirror(host) -> None:
    assert host.package("nova-probe").is_installed
    policy = host.check_output("apt-cache policy nova-probe")
    assert "file:/srv/mirror/nova-probe" in policy
    assert "vendor.invalid" not in policy


def test_repository_is_deb822_and_trusts_only_its_own_key(host) -> None:
    sources = host.file("/etc/apt/sources.list.d/nova-nova-probe.sources").content_string
    assert "URIs: file:/srv/mirror/nova-probe\n" in sources
    assert "Signed-By: /etc/apt/keyrings/nova-nova-probe.asc\n" in sources
    key = host.file("/etc/apt/keyrings/nova-nova-probe.asc")
    assert key.mode == 0o644 and "BEGIN PGP PUBLIC KEY BLOCK" in key.content_string
    assert not host.file("/etc/apt/trusted.gpg").exists


def test_a_repository_signed_by_another_key_is_refused(host) -> None:
    # The same repository, but Signed-By the distribution's keyring: apt must reject it.
    with host.sudo():
        host.run_test(
            "printf 'Types: deb\\nURIs: file:/srv/mirror/nova-probe\\nSuites: /\\nSigned-By: "
            "/usr/share/keyrings/debian-archive-keyring.gpg\\n' > /tmp/wrong.sources"
        )
        result = host.run(
            "apt-get -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=/tmp/wrongparts update 2>&1 || true; "
            "mkdir -p /tmp/wrongparts && mv /tmp/wrong.sources /tmp/wrongparts/ && "
            "apt-get -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=/tmp/wrongparts update"
        )
    assert "NO_PUBKEY" in result.stdout + result.stderr or "not signed" in result.stdout + result.stderr


def test_distribution_sources_are_deb822_on_the_mirror(host) -> None:
    sources = host.file("/etc/apt/sources.list.d/debian.sources").content_string
    assert "Suites: bookworm-security\n" in sources
    assert "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" in sources
    assert host.file("/etc/apt/sources.list").content_string.startswith("# nova.dgx.base")
    assert host.run("apt-get --print-uris -qq update").rc == 0


def test_time_zone_and_locale(host) -> None:
    assert host.check_output("date +%Z") in ("CET", "CEST")
    assert host.file("/etc/timezone").content_string == "Europe/Berlin\n"
    assert "de_DE.utf8" in host.check_output("locale -a").splitlines()
    assert host.file("/etc/default/locale").content_string == "LANG=de_DE.UTF-8\n"


def test_journald_keeps_a_bounded_journal_on_disk(host) -> None:
    with host.sudo():
        config = host.check_output("systemd-analyze cat-config systemd/journald.conf")
    assert "Storage=persistent" in config and "SystemMaxUse=256M" in config
    assert host.file("/var/log/journal").is_directory


def test_unattended_upgrades_take_security_only_and_hold_the_listed_packages(host) -> None:
    dump = host.check_output("apt-config dump Unattended-Upgrade")
    patterns = [line for line in dump.splitlines() if line.startswith("Unattended-Upgrade::Origins-Pattern:: ")]
    assert patterns == ['Unattended-Upgrade::Origins-Pattern:: "origin=Debian,codename=${distro_codename}-security,label=Debian-Security";']
    assert 'Unattended-Upgrade::Package-Blacklist:: "^linux\\-";' in dump
    assert 'Unattended-Upgrade::Package-Blacklist:: "^nvidia\\-";' in dump
    assert 'APT::Periodic::Unattended-Upgrade "1";' in host.check_output("apt-config dump APT::Periodic")


def test_no_security_update_is_pending(host) -> None:
    assert host.run("apt list --upgradable 2>/dev/null | grep -- '-security'").rc == 1


def test_fleet_hosts_block(host) -> None:
    hosts = host.file("/etc/hosts").content_string
    assert "# BEGIN nova.dgx fleet hosts\n192.0.2.10\tmolecule-base\n# END nova.dgx fleet hosts" in hosts
