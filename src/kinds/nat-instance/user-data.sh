#!/bin/bash
# fixed-ip NAT instance user data (Amazon Linux 2023).
#
# The instance has its own primary interface (device 0, with an auto-assigned public IPv4) for its
# own traffic: packages, the EC2 API, its boot report. The stack's interface (NAT_INTERFACE_ID: the
# allowlisted Elastic IP, the private subnets' route target) arrives later as device 1, attached
# by fixed-ip or, with NAT_SELF_ATTACH=1, by the instance itself. Private traffic comes in on that
# interface and must leave by it, masqueraded behind its address, and never by the primary: the
# allowlisted address is the whole point, so anything else is dropped (fail closed).
#
# fixed-ip inserts its config block after line 1 (src/kinds/nat-instance/boot.ts): a marker comment,
# then NAT_INTERFACE_ID='eni-...', NAT_REGION='us-east-1', NAT_SELF_ATTACH='0' (or '1'). The
# marker itself must not appear anywhere else in this file: it tells a configured script apart.
# The service copy (/usr/local/sbin/fixed-ip-nat) is this very file, config block included, so
# the service runs exactly what cloud-init ran and there is no second config file to drift.
#
# It reports its progress as the tag fixed-ip:nat-boot on its own instance: ready, forwarding,
# waiting: <why>, failed: <reason>.
#
#   user-data.sh                       install (what cloud-init runs at first boot)
#   user-data.sh --watch               the service: find the stack's interface, attach it (self-attach),
#                                      configure it, report
#   user-data.sh --configure DEV GW    forward and masquerade through DEV (gateway GW), idempotent
set -euo pipefail

NAT_INTERFACE_ID="${NAT_INTERFACE_ID:-}"
NAT_REGION="${NAT_REGION:-}"
NAT_SELF_ATTACH="${NAT_SELF_ATTACH:-0}"

# Tests point ROOT at a scratch tree (files under /etc, /var, /proc, /sys and /dev are read and
# written below it); on the instance it is empty.
readonly ROOT="${FIXED_IP_NAT_ROOT:-}"
readonly IMDS=http://169.254.169.254/latest
readonly BOOT_TAG=fixed-ip:nat-boot
readonly SWAP_FILE=/var/fixed-ip.swap
readonly SYSCTL_FILE=/etc/sysctl.d/90-fixed-ip-nat.conf
readonly INSTALLED=/usr/local/sbin/fixed-ip-nat
readonly UNIT_FILE=/etc/systemd/system/fixed-ip-nat.service
# Marks that this boot has had the stack's interface (tmpfs: a reboot clears it).
readonly HAD_IT=/run/fixed-ip-nat.had-interface
readonly NFT_TABLE=fixed_ip_nat
# Forwarded traffic has its own routing table, chosen by a rule on the incoming interface; the
# instance's own traffic keeps the main table (the primary). Below amazon-ec2-net-utils' 10000+.
readonly RULE_PRIORITY=1066
readonly ROUTE_TABLE=1066
# Exit status of --watch when self-attach gives up: systemd does not restart it (the tag says why).
readonly GAVE_UP=3

STEP=""   # what the script is doing; a failure reports "<STEP> failed"
REASON="" # a more precise failure reason, set by fail()
SELF=""   # this instance's id, from IMDS

log() {
  printf 'fixed-ip-nat: %s\n' "$*" >&2
}

fail() {
  REASON="$1"
  exit 1
}

# One IMDSv2 read (a fresh token each time: the watcher runs for months, tokens expire).
imds() {
  local token
  token="$(curl -sf -m 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' "$IMDS/api/token")" || return 1
  curl -sf -m 2 -H "X-aws-ec2-metadata-token: $token" "$IMDS/meta-data/$1"
}

# The boot report: the tag on this instance (what fixed-ip reads), and the console (what a human
# reads). Never fails: reporting must not turn a good boot into a bad one, nor loop in the trap.
report() {
  local value="${1//$'\n'/ }" attempt
  value="${value:0:256}" # EC2 tag values: 256 characters at most
  log "$BOOT_TAG=$value"
  if [ -w "$ROOT/dev/console" ]; then
    printf 'fixed-ip-nat: %s=%s\n' "$BOOT_TAG" "$value" >"$ROOT/dev/console" 2>/dev/null || true
  fi
  if [ -z "$SELF" ]; then
    SELF="$(imds instance-id || true)"
  fi
  if [ -z "$SELF" ] || [ -z "$NAT_REGION" ] || ! command -v aws >/dev/null 2>&1; then
    log "cannot set the tag (instance id, region or the aws CLI missing)"
    return 0
  fi
  for attempt in 1 2 3 4 5; do
    if aws ec2 create-tags --region "$NAT_REGION" --resources "$SELF" \
      --tags "Key=$BOOT_TAG,Value=$value" >/dev/null; then
      return 0
    fi
    log "setting the tag failed (attempt $attempt)"
    sleep 2
  done
  return 0
}

# Any failing step ends the script with "failed: <reason>": a boot never fails quietly.
on_exit() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    report "failed: ${REASON:-${STEP:-the NAT setup} failed}"
  fi
}

step() {
  STEP="$1"
  log "$1"
}

# Fills NAT_REGION when the user data has no config block (the region the instance runs in).
require_config() {
  if [ -z "$NAT_REGION" ]; then
    NAT_REGION="$(imds placement/region || true)"
  fi
  if [ -z "$NAT_INTERFACE_ID" ]; then
    fail "no NAT_INTERFACE_ID: the user data has no fixed-ip:nat-config block"
  fi
}

# dnf has been OOM-killed on 512 MiB instances (t4g.nano): give small instances a swap file
# before the first package install.
ensure_swap() {
  local swap_kib mem_kib
  swap_kib="$(awk 'NR > 1 { total += $3 } END { print total + 0 }' "$ROOT/proc/swaps")"
  mem_kib="$(awk '$1 == "MemTotal:" { print $2 }' "$ROOT/proc/meminfo")"
  if [ "$swap_kib" -gt 0 ] || [ "$mem_kib" -ge $((2 * 1024 * 1024)) ]; then
    return 0
  fi
  rm -f "$ROOT$SWAP_FILE" # a leftover from an interrupted run is not trusted
  # fallocate is instant on AL2023's xfs; dd works everywhere else.
  fallocate -l 1G "$ROOT$SWAP_FILE" 2>/dev/null ||
    dd if=/dev/zero of="$ROOT$SWAP_FILE" bs=1M count=1024 status=none
  chmod 600 "$ROOT$SWAP_FILE"
  mkswap "$ROOT$SWAP_FILE" >/dev/null
  swapon "$ROOT$SWAP_FILE"
  if ! grep -q "^$SWAP_FILE " "$ROOT/etc/fstab" 2>/dev/null; then
    printf '%s none swap defaults 0 0\n' "$SWAP_FILE" >>"$ROOT/etc/fstab"
  fi
}

# Retried for about four minutes: another dnf (cloud-init's own, an update timer) may hold the lock,
# or the repositories may not be reachable yet.
dnf_install() {
  local attempt
  for attempt in $(seq 1 24); do
    if dnf -y install "$1"; then
      return 0
    fi
    log "installing $1 failed (attempt $attempt); retrying in 10 s"
    sleep 10
  done
  fail "installing $1 failed after 24 attempts"
}

ensure_tools() {
  if ! command -v nft >/dev/null 2>&1 && ! command -v iptables >/dev/null 2>&1; then
    dnf_install nftables
  fi
  # AL2023 ships the aws CLI (awscli-2); minimal images do not. The reports and self-attach need it.
  if ! command -v aws >/dev/null 2>&1; then
    dnf_install awscli-2
  fi
}

# Persisted for reboots; --configure sets them again, with the per-interface ones.
write_sysctls() {
  cat >"$ROOT$SYSCTL_FILE" <<EOF
# fixed-ip NAT: forward the private subnets' traffic.
net.ipv4.ip_forward = 1
# It arrives and leaves on the stack's interface while the instance also has a primary: strict
# reverse-path filtering would drop it.
net.ipv4.conf.all.rp_filter = 0
net.ipv4.conf.default.rp_filter = 0
# In and out of the same interface would otherwise send ICMP redirects (all is ORed with each one).
net.ipv4.conf.all.send_redirects = 0
EOF
  sysctl -q -p "$ROOT$SYSCTL_FILE"
}

install_service() {
  install -m 0755 "$0" "$ROOT$INSTALLED"
  cat >"$ROOT$UNIT_FILE" <<EOF
[Unit]
Description=fixed-ip NAT: forward the private subnets' traffic through the stack's interface
Wants=network-online.target
After=network-online.target
StartLimitIntervalSec=0

[Service]
Type=simple
ExecStart=$INSTALLED --watch
Restart=always
RestartSec=5
RestartPreventExitStatus=$GAVE_UP

[Install]
WantedBy=multi-user.target
EOF
  systemctl daemon-reload
  systemctl enable fixed-ip-nat.service
}

install_nat() {
  trap on_exit EXIT
  step "reading the config"
  require_config
  step "creating the swap file"
  ensure_swap
  step "installing the tools"
  ensure_tools
  step "setting the sysctls"
  write_sysctls
  step "installing the NAT service"
  install_service
  # Reported before the service starts, so that it cannot overwrite the service's `forwarding`.
  report ready
  step "starting the NAT service"
  systemctl start fixed-ip-nat.service
  STEP=""
}

# Forward the private subnets' traffic in and out of DEV only, masqueraded behind DEV's address,
# through GATEWAY (the VPC router: the subnet's base address + 1). Idempotent; safe to re-run after
# the interface went away and came back.
configure() {
  local dev="$1" gateway="$2"
  # The filter first: forwarded traffic that would leave by any other interface (the primary's
  # public IP) is dropped, whatever the routes say. One atomic nft transaction: never half-applied.
  if command -v nft >/dev/null 2>&1; then
    nft -f - <<EOF
table ip ${NFT_TABLE}
delete table ip ${NFT_TABLE}
table ip ${NFT_TABLE} {
  chain forward {
    type filter hook forward priority 0; policy drop;
    iifname "${dev}" oifname "${dev}" accept
  }
  chain postrouting {
    type nat hook postrouting priority 100; policy accept;
    oifname "${dev}" masquerade
  }
}
EOF
  elif command -v iptables >/dev/null 2>&1; then
    iptables -N FIXED_IP_NAT_FORWARD 2>/dev/null || iptables -F FIXED_IP_NAT_FORWARD
    iptables -A FIXED_IP_NAT_FORWARD -i "$dev" -o "$dev" -j ACCEPT
    iptables -A FIXED_IP_NAT_FORWARD -j DROP
    iptables -C FORWARD -j FIXED_IP_NAT_FORWARD 2>/dev/null || iptables -I FORWARD 1 -j FIXED_IP_NAT_FORWARD
    iptables -P FORWARD DROP
    iptables -t nat -N FIXED_IP_NAT_POSTROUTING 2>/dev/null || iptables -t nat -F FIXED_IP_NAT_POSTROUTING
    iptables -t nat -A FIXED_IP_NAT_POSTROUTING -o "$dev" -j MASQUERADE
    iptables -t nat -C POSTROUTING -j FIXED_IP_NAT_POSTROUTING 2>/dev/null ||
      iptables -t nat -A POSTROUTING -j FIXED_IP_NAT_POSTROUTING
  else
    fail "neither nft nor iptables is installed"
  fi
  sysctl -q -w net.ipv4.ip_forward=1 \
    net.ipv4.conf.all.rp_filter=0 "net.ipv4.conf.${dev}.rp_filter=0" \
    net.ipv4.conf.all.send_redirects=0 "net.ipv4.conf.${dev}.send_redirects=0"
  # Only what comes in on DEV uses table 1066 (the instance's own traffic keeps the main table).
  # Rules left by an earlier run (perhaps for another device name) go first.
  while ip rule del priority "$RULE_PRIORITY" 2>/dev/null; do :; done
  ip rule add priority "$RULE_PRIORITY" iif "$dev" lookup "$ROUTE_TABLE"
  # onlink: the VPC router is always on the subnet, whichever of the two interfaces the main table
  # would pick to reach it.
  ip route replace default via "$gateway" dev "$dev" onlink table "$ROUTE_TABLE"
  log "forwarding through $dev (gateway $gateway), masqueraded behind its address"
}

# The VPC router of a subnet: its base address + 1 (10.0.16.0/20 -> 10.0.16.1).
gateway_of() {
  local ip="${1%/*}" bits="${1#*/}" a b c d n
  [[ $1 =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2}$ ]] || fail "not an IPv4 CIDR: $1"
  IFS=. read -r a b c d <<<"$ip"
  n=$(((a << 24 | b << 16 | c << 8 | d) & (0xffffffff << (32 - bits)) & 0xffffffff))
  n=$((n + 1))
  printf '%d.%d.%d.%d\n' $((n >> 24 & 255)) $((n >> 16 & 255)) $((n >> 8 & 255)) $((n & 255))
}

# Which device (if any) is NAT_INTERFACE_ID: the one whose MAC IMDS maps to it. A MAC always
# belongs to the same interface, so the answers are cached; IMDS may not know a MAC for a few
# seconds after an attach, so unknown MACs are asked again. Sets NAT_DEV and NAT_MAC.
declare -A ENI_OF_MAC=()
find_nat_device() {
  local path dev mac id
  NAT_DEV=""
  NAT_MAC=""
  for path in "$ROOT"/sys/class/net/*/address; do
    dev="${path%/address}"
    dev="${dev##*/}"
    mac="$(cat "$path" 2>/dev/null)" || continue # the device went away meanwhile
    if [ "$dev" = lo ] || [ "$mac" = 00:00:00:00:00:00 ]; then continue; fi
    if [ -z "${ENI_OF_MAC[$mac]:-}" ]; then
      id="$(imds "network/interfaces/macs/$mac/interface-id" || true)"
      if [ -n "$id" ]; then ENI_OF_MAC[$mac]="$id"; fi
    fi
    if [ "${ENI_OF_MAC[$mac]:-}" = "$NAT_INTERFACE_ID" ]; then
      NAT_DEV="$dev"
      NAT_MAC="$mac"
      return 0
    fi
  done
}

# Whether --configure's routing for DEV is still there (systemd-networkd may drop rules and
# routes it did not make when it reconfigures an interface: the watcher puts them back).
rules_in_place() {
  ip rule show priority "$RULE_PRIORITY" 2>/dev/null | grep -q "iif $1 " &&
    [ -n "$(ip route show table "$ROUTE_TABLE" default dev "$1" 2>/dev/null)" ]
}

# One self-attach move towards having NAT_INTERFACE_ID on this instance (device index 1). Never
# takes it from a live instance (pending or running): that one is forwarding (fck-nat #79). Sets
# HELD_BY when a live instance holds it, WHY when this move did not work out.
self_attach() {
  local out status attachment holder attachment_id holder_state
  HELD_BY=""
  WHY=""
  out="$(aws ec2 describe-network-interfaces --region "$NAT_REGION" \
    --network-interface-ids "$NAT_INTERFACE_ID" --output text \
    --query 'NetworkInterfaces[0].[Status,Attachment.Status,Attachment.InstanceId,Attachment.AttachmentId]')" ||
    { WHY="cannot describe interface $NAT_INTERFACE_ID"; return 0; }
  read -r status attachment holder attachment_id <<<"$out"
  if [ "$status" = available ]; then
    log "attaching $NAT_INTERFACE_ID as device 1"
    aws ec2 attach-network-interface --region "$NAT_REGION" --network-interface-id "$NAT_INTERFACE_ID" \
      --instance-id "$SELF" --device-index 1 >/dev/null ||
      WHY="attaching interface $NAT_INTERFACE_ID failed"
    return 0
  fi
  # Ours already (the device is on its way), or attaching/detaching: let it settle.
  if [ "$holder" = "$SELF" ] || [ "$attachment" != attached ]; then return 0; fi
  holder_state="$(aws ec2 describe-instances --region "$NAT_REGION" --instance-ids "$holder" \
    --output text --query 'Reservations[0].Instances[0].State.Name')" || holder_state=unknown
  case "$holder_state" in
    stopping | stopped | shutting-down | terminated)
      log "taking $NAT_INTERFACE_ID from $holder ($holder_state)"
      aws ec2 detach-network-interface --region "$NAT_REGION" --attachment-id "$attachment_id" \
        --force >/dev/null || WHY="detaching interface $NAT_INTERFACE_ID from $holder failed"
      ;;
    *) # running or pending, or it cannot be told: never steal
      HELD_BY="$holder"
      WHY="interface $NAT_INTERFACE_ID is held by $holder"
      ;;
  esac
}

# The service: every second, find the stack's interface; configure it when it is here (with its
# address), report `ready` when it is gone, and with NAT_SELF_ATTACH=1 go and get it (giving up
# after 10 minutes).
watch() {
  local state="" cidr held="" attach_since=""
  trap on_exit EXIT
  trap 'exit 0' TERM INT # a stop is not a failure
  step "reading the config"
  require_config
  SELF="$(imds instance-id)" || fail "cannot read the instance id from IMDS"
  STEP=""
  while true; do
    find_nat_device
    if [ -n "$NAT_DEV" ]; then
      attach_since=""
      held=""
      # Once it has had the interface, it never takes it again (until a reboot clears /run): a
      # planned replacement detaches it from this instance for the next one, which must not have
      # to race this one for it.
      mkdir -p "$ROOT/run" 2>/dev/null || true
      : >"$ROOT$HAD_IT" 2>/dev/null || true
      # amazon-ec2-net-utils configures a new interface (DHCP): wait for its address.
      if [ -n "$(ip -4 -o addr show dev "$NAT_DEV" 2>/dev/null)" ] &&
        { [ "$state" != "forwarding $NAT_DEV" ] || ! rules_in_place "$NAT_DEV"; }; then
        if cidr="$(imds "network/interfaces/macs/$NAT_MAC/subnet-ipv4-cidr-block")"; then
          step "configuring $NAT_DEV"
          configure "$NAT_DEV" "$(gateway_of "$cidr")"
          STEP=""
          if [ "$state" != "forwarding $NAT_DEV" ]; then
            report forwarding
            state="forwarding $NAT_DEV"
          fi
        fi
      fi
    else
      if [ "$state" != ready ]; then
        report ready
        state=ready
      fi
      if [ "$NAT_SELF_ATTACH" = 1 ] && [ ! -e "$ROOT$HAD_IT" ]; then
        attach_since="${attach_since:-$SECONDS}"
        self_attach
        if [ -n "$HELD_BY" ] && [ "$HELD_BY" != "$held" ]; then
          report "waiting: $WHY"
        fi
        held="$HELD_BY"
        if [ -n "$WHY" ]; then log "$WHY"; fi
        if [ $((SECONDS - attach_since)) -ge 600 ]; then
          REASON="interface $NAT_INTERFACE_ID not attached after 10 minutes${WHY:+ ($WHY)}"
          exit "$GAVE_UP"
        fi
      fi
    fi
    sleep 1
  done
}

main() {
  case "${1:-}" in
    "")
      install_nat
      ;;
    --watch)
      watch
      ;;
    --configure)
      if [ $# -ne 3 ]; then
        log "usage: --configure DEV GATEWAY"
        return 2
      fi
      configure "$2" "$3"
      ;;
    *)
      log "unknown argument: $1 (use --watch, --configure DEV GATEWAY, or nothing to install)"
      return 2
      ;;
  esac
}

main "$@"
