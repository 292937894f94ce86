"""nova.dgx.dcgm_exporter and nova.dgx.cadvisor on the GPU host: STAND-INS of DCGM, dcgm-exporter and cAdvisor
(no GPU and no vendor download here; docs/testing.md). What is proven is the roles' side: the pinned and held
packages, the collectors chosen for a Spark, the units' users and sandbox, the addresses, what Prometheus would read."""

from __future__ import annotations

import os
import re

import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")
DEAD_ON_SPARK = ("DCGM_FI_DEV_FB_FREE", "DCGM_FI_DEV_FB_USED", "DCGM_FI_DEV_MEM_COPY_UTIL", "DCGM_FI_DEV_MEMORY_TEMP",
                 "DCGM_FI_PROF_GR_ENGINE_ACTIVE")


def _metrics(host, port: int) -> str:
    return host.check_output(f"python3 -c \"import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:{port}/metrics').read().decode())\"")


def test_dcgm_and_the_exporter_are_pinned_and_held(host) -> None:
    held = host.check_output("apt-mark showhold").split()
    for name in ("datacenter-gpu-manager-4-core", "datacenter-gpu-manager-4-cuda13", "datacenter-gpu-manager-exporter"):
        assert host.package(name).is_installed and name in held, name
    assert host.package("datacenter-gpu-manager-exporter").version == "4.8.3.002-1"


def test_the_spark_collectors_leave_out_the_dead_gb10_fields(host) -> None:
    csv = host.file("/etc/dcgm-exporter/nova-counters.csv").content_string
    fields = re.findall(r"(?m)^(DCGM_\w+),", csv)
    assert "DCGM_FI_DEV_GPU_TEMP" in fields and "DCGM_EXP_XID_ERRORS_COUNT" in fields
    assert not set(DEAD_ON_SPARK) & set(fields)
    served = _metrics(host, 9400)
    assert re.search(r'(?m)^DCGM_FI_DEV_GPU_TEMP\{[^}]*gpu="0"', served)
    assert not [name for name in DEAD_ON_SPARK if name in served]


def test_the_exporter_runs_as_its_own_user_against_the_host_engine_on_loopback(host) -> None:
    assert host.service("nvidia-dcgm").is_running and host.service("nvidia-dcgm-exporter").is_running
    show = host.check_output("systemctl show nvidia-dcgm-exporter -p User -p ExecStart -p ProtectSystem -p NoNewPrivileges")
    assert "User=dcgm-exporter" in show and "ProtectSystem=strict" in show and "NoNewPrivileges=yes" in show
    assert "-r 127.0.0.1:5555" in show and "-a 127.0.0.1:9400" in show
    assert host.socket("tcp://127.0.0.1:9400").is_listening and not host.socket("tcp://0.0.0.0:9400").is_listening


def test_cadvisor_is_not_root_and_sees_the_docker_containers(host) -> None:
    show = host.check_output("systemctl show cadvisor -p User -p SupplementaryGroups -p CapabilityBoundingSet -p AmbientCapabilities")
    assert "User=cadvisor" in show and "SupplementaryGroups=docker" in show
    assert "CapabilityBoundingSet=cap_dac_read_search" in show
    served = _metrics(host, 8080)
    assert 'container_cpu_usage_seconds_total{' in served and "container_scrape_error 0" in served
    assert host.socket("tcp://127.0.0.1:8080").is_listening and not host.socket("tcp://0.0.0.0:8080").is_listening
