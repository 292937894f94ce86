#!/usr/bin/env bash
# TEST HARNESS: cable two Molecule containers back to back, one veth pair per ConnectX-7 port,
# each end renamed to the port's netdev name inside its container (left down: netplan brings it up).
#   cable.sh HOST_A HOST_B PORT...
# Prints "cabled PORT" for each pair it made; a port both containers already have is left alone.
set -euo pipefail
a=$1 b=$2
shift 2
pid_a=$(docker inspect --format '{{.State.Pid}}' "$a")
pid_b=$(docker inspect --format '{{.State.Pid}}' "$b")
i=0
for port in "$@"; do
  i=$((i + 1))
  if nsenter -t "$pid_a" -n ip link show "$port" >/dev/null 2>&1 && nsenter -t "$pid_b" -n ip link show "$port" >/dev/null 2>&1; then
    continue
  fi
  ip link add "nova-cx7a$i" type veth peer name "nova-cx7b$i"
  ip link set "nova-cx7a$i" netns "$pid_a"
  ip link set "nova-cx7b$i" netns "$pid_b"
  nsenter -t "$pid_a" -n ip link set "nova-cx7a$i" name "$port"
  nsenter -t "$pid_b" -n ip link set "nova-cx7b$i" name "$port"
  echo "cabled $port"
done
