#!/bin/bash
# fixed-ip NAT instance user data (Amazon Linux 2023).
#
# Turns the instance into a NAT for the stack's private subnets: IP forwarding on, and the
# traffic that leaves by the default route's interface masqueraded behind the instance's address
# (the stack's Elastic IP, on the interface fixed-ip made). Both survive reboots: forwarding
# through /etc/sysctl.d, the masquerade rule through a systemd unit that runs this script with
# --rules-only at every boot.
#
#   user-data.sh                         install (what cloud-init runs at first boot)
#   user-data.sh --rules-only [IFACE]    only enable forwarding and masquerade out of IFACE
#                                        (default: the interface of the default route)
set -euo pipefail

readonly SYSCTL_FILE=/etc/sysctl.d/90-fixed-ip-nat.conf
readonly INSTALLED=/usr/local/sbin/fixed-ip-nat
readonly UNIT_FILE=/etc/systemd/system/fixed-ip-nat.service
readonly NFT_TABLE=fixed_ip_nat

log() {
  printf 'fixed-ip-nat: %s\n' "$*" >&2
}

# The interface holding the default route: where forwarded traffic leaves.
egress_interface() {
  ip -4 route show default | awk '{ for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit } }'
}

# Forwarding and masquerading, idempotent: running it twice leaves one rule.
apply_rules() {
  local out="${1:-}"
  if [ -z "$out" ]; then
    out="$(egress_interface)"
  fi
  if [ -z "$out" ]; then
    log "no default route: cannot tell which interface to masquerade on"
    return 1
  fi
  sysctl -q -w net.ipv4.ip_forward=1
  if command -v nft >/dev/null 2>&1; then
    # Declaring the table first makes the delete safe when it does not exist yet.
    nft -f - <<EOF
table ip ${NFT_TABLE}
delete table ip ${NFT_TABLE}
table ip ${NFT_TABLE} {
  chain postrouting {
    type nat hook postrouting priority 100; policy accept;
    oifname "${out}" masquerade
  }
}
EOF
  elif command -v iptables >/dev/null 2>&1; then
    iptables -t nat -C POSTROUTING -o "$out" -j MASQUERADE 2>/dev/null ||
      iptables -t nat -A POSTROUTING -o "$out" -j MASQUERADE
  else
    log "neither nft nor iptables is installed"
    return 1
  fi
  log "forwarding on; masquerading out of ${out}"
}

# Install nftables when the image has neither nft nor iptables. The Elastic IP may reach the
# interface only after boot (a change from a NAT gateway moves it once the instance runs), so the
# package repository is retried for about four minutes.
ensure_tools() {
  if command -v nft >/dev/null 2>&1 || command -v iptables >/dev/null 2>&1; then
    return 0
  fi
  local attempt
  for attempt in $(seq 1 24); do
    if dnf -y -q install nftables; then
      return 0
    fi
    log "installing nftables failed (attempt ${attempt}); retrying in 10 s"
    sleep 10
  done
  return 1
}

install_nat() {
  ensure_tools
  install -m 0755 "$0" "$INSTALLED"
  printf 'net.ipv4.ip_forward = 1\n' >"$SYSCTL_FILE"
  cat >"$UNIT_FILE" <<EOF
[Unit]
Description=fixed-ip NAT: forward and masquerade the private subnets' traffic
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${INSTALLED} --rules-only

[Install]
WantedBy=multi-user.target
EOF
  systemctl daemon-reload
  systemctl enable --now fixed-ip-nat.service
}

main() {
  case "${1:-}" in
    --rules-only)
      apply_rules "${2:-}"
      ;;
    "")
      install_nat
      ;;
    *)
      log "unknown argument: $1 (use --rules-only [IFACE], or nothing to install)"
      return 2
      ;;
  esac
}

main "$@"
