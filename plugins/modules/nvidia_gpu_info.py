#!/usr/bin/python
# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: nvidia_gpu_info
short_description: Read the host's NVIDIA driver and GPU facts through NVML
version_added: 0.1.0
description:
  - Reads the driver, CUDA driver and NVML versions, and for every GPU its identity, architecture, compute
    capability, memory, temperature, power, utilisation, ECC, MIG and persistence modes, clocks and throttle
    reasons, through NVML (the C(pynvml) module of nvidia-ml-py) in one process, without C(nvidia-smi).
  - Every field NVML refuses is V(null) and named under RV(gpus[].unavailable) with the reason, for example
    the memory of DGX Spark's GB10 (C(Not Supported)), whose memory is unified with the CPU's. A refused field
    never fails the host.
  - Without nvidia-ml-py, without a driver or without NVML the module succeeds with RV(gpu_count=0) and says
    why in RV(reason).
author:
  - nova.dgx platform team (@nova-dgx)
options: {}
requirements:
  - nvidia-ml-py (C(pynvml)) on the managed host, either importable or as the wheel
    C(/usr/local/lib/nova-dgx/python/nvidia_ml_py.whl) that the C(nova.dgx.nvidia_driver) role installs
attributes:
  check_mode:
    description: Only reads; runs the same in check mode.
    support: full
  diff_mode:
    description: Changes nothing, so there is nothing to show.
    support: none
notes:
  - Values are read once; utilisation and power are instantaneous.
"""

EXAMPLES = r"""
- name: Read the GPU facts
  nova.dgx.nvidia_gpu_info:
  register: gpu_info

- name: Expect one GPU and driver branch 580
  ansible.builtin.assert:
    that:
      - gpu_info.gpu_count == 1
      - gpu_info.driver_version is match('580[.]')

- name: Memory, or why it is missing (GB10 answers Not Supported)
  ansible.builtin.debug:
    msg: "{{ gpu_info.gpus[0].memory or gpu_info.gpus[0].unavailable.memory }}"
"""

RETURN = r"""
gpu_count:
  description: How many GPUs NVML sees; 0 without a driver or NVML.
  returned: always
  type: int
  sample: 1
driver_version:
  description: The loaded driver's version; null without NVML.
  returned: always
  type: str
  sample: "580.95.05"
cuda_driver_version:
  description: The newest CUDA version the driver supports, C(X.Y).
  returned: always
  type: str
  sample: "13.0"
nvml_version:
  description: NVML's own version.
  returned: always
  type: str
  sample: "13.580.95.05"
reason:
  description: Why there are no GPUs (no nvidia-ml-py, no driver, driver not loaded); empty when there are.
  returned: always
  type: str
  sample: "the NVML library (libnvidia-ml.so.1) was not found: no NVIDIA driver is installed"
unavailable:
  description: System-level fields NVML refused, field name to reason.
  returned: always
  type: dict
gpus:
  description: One entry per GPU, in NVML's index order.
  returned: always
  type: list
  elements: dict
  contains:
    index:
      description: NVML's index.
      type: int
    name:
      description: Product name.
      type: str
      sample: NVIDIA GB10
    uuid:
      description: The GPU's UUID.
      type: str
    pci_bus_id:
      description: PCI bus id, C(domain:bus:device.function).
      type: str
    architecture:
      description: Architecture name, such as C(Hopper) or C(Blackwell).
      type: str
    compute_capability:
      description: CUDA compute capability C(major.minor), C(12.1) on GB10.
      type: str
    memory:
      description: C(total_mib), C(used_mib), C(free_mib); null when NVML answers Not Supported (GB10).
      type: dict
    temperature_c:
      description: GPU core temperature in degrees Celsius.
      type: int
    power_draw_w:
      description: Power draw in watts.
      type: float
    power_limit_w:
      description: Enforced power limit in watts.
      type: float
    utilization:
      description: C(gpu_percent) and C(memory_percent).
      type: dict
    ecc:
      description:
        - ECC mode. C(enabled) is the mode in force now; C(pending_mode) is the mode the GPU will have after the next
          reboot (or GPU reset); C(change_pending) is true when those differ. All three are null where NVML does not
          support ECC (GB10).
        - When ECC is enabled, C(errors) holds the volatile and aggregate corrected and uncorrected counts; otherwise null.
      type: dict
      sample: {"enabled": true, "pending_mode": true, "change_pending": false,
               "errors": {"volatile_corrected": 0, "volatile_uncorrected": 0, "aggregate_corrected": 0, "aggregate_uncorrected": 0}}
    mig:
      description:
        - MIG mode, with the same fields as the ECC mode, C(enabled), C(pending_mode) (after the next reboot or GPU
          reset) and C(change_pending); null where the GPU has no MIG.
      type: dict
      sample: {"enabled": false, "pending_mode": true, "change_pending": true}
    persistence_mode:
      description: Whether persistence mode is on.
      type: bool
    clocks:
      description: Current and maximum graphics, SM and memory clocks in MHz.
      type: dict
    throttle_reasons:
      description: Active clock event (throttle) reasons, such as C(gpu_idle) or C(sw_power_cap).
      type: list
      elements: str
    unavailable:
      description: Fields NVML refused for this GPU, field name to reason (C(Not Supported), C(no permission), ...).
      type: dict
      sample: {"memory": "Not Supported"}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.nova.dgx.plugins.module_utils._nvml import collect, empty

import sys

# nova.dgx.nvidia_driver installs a pinned nvidia-ml-py wheel here when the host has no pynvml;
# a pure-Python wheel is importable as it is (zipimport).
NVML_WHEEL = "/usr/local/lib/nova-dgx/python/nvidia_ml_py.whl"

try:
    import pynvml
except ImportError:
    sys.path.append(NVML_WHEEL)
    try:
        import pynvml
    except ImportError:
        pynvml = None


def main() -> None:
    module = AnsibleModule(argument_spec={}, supports_check_mode=True)
    if pynvml is None:
        facts = empty("nvidia-ml-py (the pynvml module) is not installed on the host; the nova.dgx.nvidia_driver role installs it")
    else:
        facts = collect(pynvml)
    module.exit_json(changed=False, **facts)


if __name__ == "__main__":
    main()
