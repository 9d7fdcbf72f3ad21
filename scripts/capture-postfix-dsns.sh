#!/usr/bin/env bash
# Regenerates the Postfix DSN fixtures in tests/Newsletter.Tests/Bounces/Fixtures, or in the folder given (by hand, as root; not in CI).
# Starts a throwaway Postfix instance on loopback, sends a digest-like message with the VERP sender
# bounces+xverpx@test-review.example to an unknown local user, to a refused port, to a server answering 550 (a
# python3 responder) and, with a long queue lifetime, to the refused port again for a delay warning, then copies
# the DSNs Postfix delivered to the sender's maildir. The tests put real tokens in place of xverpx and xmsgidx.
set -euo pipefail
out="${1:-$(cd "$(dirname "$0")/.." && pwd)/tests/Newsletter.Tests/Bounces/Fixtures}"
P=$(mktemp -d); chmod 755 "$P"; mkdir -p "$P/conf" "$P/queue" "$P/data" "$P/mail"
cp /etc/postfix/master.cf "$P/conf/"; cp -r /etc/postfix/dynamicmaps.cf* "$P/conf/" 2>/dev/null || true
chown postfix "$P/data" "$P/mail"
port=2526
cat > "$P/conf/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $P/queue
data_directory = $P/data
maillog_file = $P/maillog
maillog_file_prefixes = $P
myhostname = mta.test-review.example
mydomain = test-review.example
myorigin = test-review.example
mydestination = mta.test-review.example, localhost, readers.example
inet_interfaces = loopback-only
inet_protocols = ipv4
master_service_disable = inet
local_recipient_maps =
alias_maps =
alias_database =
virtual_mailbox_domains = test-review.example
virtual_mailbox_base = $P/mail
virtual_mailbox_maps = static:captured/
virtual_uid_maps = static:$(id -u postfix)
virtual_gid_maps = static:$(id -g postfix)
recipient_delimiter = +
transport_maps = inline:{ unreachable.example=smtp:[127.0.0.1]:9, rejecting.example=smtp:[127.0.0.1]:$port }
maximal_queue_lifetime = 0
bounce_queue_lifetime = 0
delay_warning_time = 0
smtp_connect_timeout = 2s
CONF
python3 - "$port" >"$P/rejecter.log" 2>&1 <<'PY' &
import socketserver, sys
class H(socketserver.StreamRequestHandler):
    def handle(self):
        w = lambda s: self.wfile.write((s + "\r\n").encode())
        w("220 mx.rejecting.example ESMTP")
        for line in self.rfile:
            c = line[:4].upper()
            if c in (b"EHLO", b"HELO"): w("250-mx.rejecting.example\r\n250 8BITMIME")
            elif c == b"RCPT": w("550 5.1.1 <gone@rejecting.example>: Recipient address rejected: User unknown in virtual mailbox table")
            elif c == b"QUIT": w("221 2.0.0 Bye"); return
            else: w("250 2.0.0 Ok")
socketserver.TCPServer.allow_reuse_address = True
with socketserver.TCPServer(("127.0.0.1", int(sys.argv[1])), H) as server:
    server.timeout = 30
    server.handle_request()
PY
responder=$!
postfix -c "$P/conf" start
send() {
  printf 'From: The Test Review <news@test-review.example>\nTo: Reader <%s>\nSubject: The Test Review: Books of the season\nDate: Tue, 01 Dec 2026 06:00:00 +0000\nMessage-ID: <xmsgidx@test-review.example>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nHello Reader,\n' "$1" \
    | sendmail -C "$P/conf" -f 'bounces+xverpx@test-review.example' "$1"
}
send bouncee1@readers.example; send reader@unreachable.example; send gone@rejecting.example
sleep 8
postconf -c "$P/conf" -e maximal_queue_lifetime=5d bounce_queue_lifetime=5d delay_warning_time=1s
postfix -c "$P/conf" reload; sleep 1
send late@unreachable.example; sleep 3; postqueue -c "$P/conf" -f; sleep 5
postfix -c "$P/conf" stop; kill "$responder" 2>/dev/null || true
for f in "$P"/mail/captured/new/*; do
  if grep -q bouncee1 "$f"; then n=postfix-unknown-local-user; elif grep -q rejecting.example "$f"; then n=postfix-remote-550
  elif grep -q "Delayed Mail" "$f"; then n=postfix-delayed; else n=postfix-connection-refused; fi
  cp "$f" "$out/$n.eml"; echo "captured $n.eml"
done
rm -rf "$P"
