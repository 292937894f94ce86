#!/usr/bin/python
# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: tls_state
short_description: Read in one module run whether a host's own CA and server certificate are as wanted
version_added: 0.3.0
description:
  - Reads a CA key and certificate and a server key and certificate signed by it, and says whether
    each is what the role's community.crypto tasks would create. A role runs those tasks only when
    RV(current) is false, so a converged host costs one module run instead of one per key, request
    and certificate.
  - Checked, with a reason for each miss, the key files (unencrypted PEM, ECC on the given curve), the CA
    (its key's public key, its common name only, self-signed, critical C(CA:TRUE, pathlen:0), critical
    key usage C(keyCertSign, cRLSign), not expired), the server certificate (its key's public key, its
    common name only, issued and signed by the CA, exactly the subject alternative names given,
    exactly the extended key usages given, more than C(renew_days) left) and each of
    O(files)' owner, group and mode.
  - Never changes anything; needs the Python C(cryptography) library on the host (which the
    community.crypto tasks need too), and reports its absence as a reason.
author:
  - nova.dgx platform team (@nova-dgx)
options:
  ca:
    description: The CA, with C(key) and C(cert) (paths), C(common_name) and C(curve) (such as C(secp384r1)).
    type: dict
    required: true
  server:
    description:
      - The server certificate, with C(key) and C(cert) (paths), C(common_name), C(curve), C(sans)
        (entries C(IP:<address>) or C(DNS:<name>)), C(extended_key_usage) (C(serverAuth),
        C(clientAuth)) and C(renew_days).
    type: dict
    required: true
  files:
    description: Files whose C(owner), C(group) and C(mode) (an octal string) must be as given; each with a C(path).
    type: list
    elements: dict
    default: []
attributes:
  check_mode:
    description: Reads only; the same in check mode.
    support: full
  diff_mode:
    description: Reports no diff.
    support: none
"""

EXAMPLES = r"""
- name: Read whether the TLS files are as wanted
  nova.dgx.tls_state:
    ca: {key: /etc/openbao/tls/ca.key, cert: /etc/openbao/tls/ca.pem, common_name: "example CA", curve: secp384r1}
    server:
      key: /etc/openbao/tls/server.key
      cert: /etc/openbao/tls/server.pem
      common_name: mgmt-01
      curve: secp256r1
      sans: ["IP:127.0.0.1", "DNS:mgmt-01"]
      extended_key_usage: [serverAuth, clientAuth]
      renew_days: 30
    files:
      - {path: /etc/openbao/tls/ca.key, owner: root, group: root, mode: "0600"}
  register: tls
  check_mode: false
"""

RETURN = r"""
current:
  description: Whether nothing about the keys, certificates and files would change.
  returned: always
  type: bool
reasons:
  description: What is not as wanted, one sentence each; empty when RV(current) is true.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.nova.dgx.plugins.module_utils._tls_state import file_problems, problems

CA_KEYS = {"key", "cert", "common_name", "curve"}
SERVER_KEYS = {"key", "cert", "common_name", "curve", "sans", "extended_key_usage", "renew_days"}


def main() -> None:
    module = AnsibleModule(
        argument_spec={"ca": {"type": "dict", "required": True}, "server": {"type": "dict", "required": True},
                       "files": {"type": "list", "elements": "dict", "default": []}},
        supports_check_mode=True,
    )
    ca, server = module.params["ca"], module.params["server"]
    for name, given, wanted in (("ca", ca, CA_KEYS), ("server", server, SERVER_KEYS)):
        if set(given) != wanted:
            module.fail_json(msg=f"{name} must have exactly {', '.join(sorted(wanted))}; missing "
                                 f"{', '.join(sorted(wanted - set(given))) or 'nothing'}, unknown {', '.join(sorted(set(given) - wanted)) or 'nothing'}")
    reasons = problems(ca, server) + file_problems(module.params["files"])
    module.exit_json(changed=False, current=not reasons, reasons=reasons)


if __name__ == "__main__":
    main()
