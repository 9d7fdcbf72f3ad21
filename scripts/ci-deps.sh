#!/usr/bin/env bash
# Installs the machine packages the tests need (as root, with apt). Safe to run twice.
# The browser tests drive Debian's Chromium at /usr/bin/chromium (Playwright cannot download a browser here);
# the bounce tests start Debian's Dovecot (dovecot-imapd) themselves, with a throwaway configuration.
set -euo pipefail
need=()
[ -n "${NEWSLETTER_SKIP_APT:-}" ] && exit 0
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/sbin/dovecot ] || need+=(dovecot-imapd)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then echo "Please install: ${need[*]} (apt-get install -y ${need[*]})"; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
