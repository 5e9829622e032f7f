#!/usr/bin/env bash
# The done-signal (steps 8 -> 9) between the hosts' shadowportds over mutual
# TLS, end to end in the lab (one in cluster prod; two, three in none):
#   (a) systemOne's deadline: `create --wait-done --wait-timeout 3` with
#       nobody importing ends with SP_E_DEADLINE_EXCEEDED, without success;
#   (b) a forged signal: three (a valid certificate, not an importer) runs
#       `shadowport done BCD`: SP_E_ACCESS_DENIED, one keeps waiting; then
#       two signals and one's create completes; a signal for a set one no
#       longer knows is VSS_E_OBJECT_NOT_FOUND;
#   (c) unauthenticated: one's peer port without a client certificate, or
#       with one from another CA, gives no service (a certificate of the lab
#       CA does: the control).
#
#   tests/integration/lab/signal.sh [--build DIR]     (root; ~25 s)
set -euo pipefail
# shellcheck source=tests/integration/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lab_init signal "$@"

lab_up --hosts one,two,three --cluster one=prod

mx=$(new_lun one 512M xfs)
on one sh -c "echo payload > '$mx/f.txt' && sync"

# --- (a) No done-signal within --wait-timeout.
t0=$SECONDS
expect_code "(a) one: create --wait-done --wait-timeout 3, nobody imports" "$EXIT_TIMEOUT" \
  SP_E_DEADLINE_EXCEEDED "$WORK/a.out" \
  on one shadowport create "$mx" --transportable --bcd "$WORK/a.xml" --wait-done --wait-timeout 3
took=$((SECONDS - t0))
check "(a) it waited about 3 s ($took s)" test "$took" -ge 3 -a "$took" -le 20
check "(a) it says no done-signal came and the backup was closed without success" \
  bash -c "grep -q 'no done-signal came' '$WORK/a.out' && grep -q 'closed without success' '$WORK/a.out'"
check "(a) it does not claim a done-signal" bash -c "! grep -q 'done-signal from two:' '$WORK/a.out'"
set_a=$(set_id_of "$WORK/a.xml")
check "(a) the auto-release set is released: gone at the array" test "$(array_set_count "$set_a")" -eq 0
n=$(on one shadowport list --json | jq '.snapshots | length')
check "(a) one: list is empty" test "$n" -eq 0

# --- (b) A forged signal from three, then the real one from two.
bg create one shadowport create "$mx" --transportable --importer two --bcd "$WORK/b.xml" \
  --wait-done --wait-timeout 120
create_pid=$BG_PID
check "(b) one: create waits for the done-signal" \
  wait_for 60 grep -q 'waiting for the done-signal' "$WORK/create.out"
expect_code "(b) three (valid certificate, not an importer): shadowport done" "$EXIT_ACCESS_DENIED" \
  SP_E_ACCESS_DENIED "$WORK/forged.out" on three shadowport "done" "$WORK/b.xml"
check "(b) one logged the refusal, naming three" \
  wait_for 5 grep -qE 'warning refused peer call .*BackupDone.*three' "$LAB_DIR/one/shadowportd.log"
sleep 1.5
check "(b) one: create is still waiting after the forged signal" bash -c "! grep -q 'done-signal from [a-z]*:' '$WORK/create.out'"
if exited "$create_pid"; then fail "(b) one: create ended after the forged signal"; else pass "(b) one: create still runs"; fi
expect_code "(b) two (the importer): shadowport done" 0 "" "$WORK/done.out" on two shadowport "done" "$WORK/b.xml"
check "(b) two: done says the signal went to one" grep -q 'sent to one' "$WORK/done.out"
check "(b) one: create ends after two's signal" wait_for 15 exited "$create_pid"
rc=$(wait_rc "$create_pid")
if [[ $rc -eq 0 ]] && grep -q 'done-signal from two' "$WORK/create.out"; then
  pass "(b) one: create exits 0 with the done-signal from two"
else
  fail "(b) one: create exit $rc; output:"
  sed 's/^/    | /' "$WORK/create.out"
fi
expect_code "(b) two: a done-signal for a set one no longer has" 4 VSS_E_OBJECT_NOT_FOUND \
  "$WORK/late.out" on two shadowport "done" "$WORK/b.xml"

# --- (c) The peer port without a (valid) client certificate.
P=$LAB_DIR/pki
(
  cd "$WORK"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout forged-ca.key -out forged-ca.crt -days 1 -subj "/CN=forged CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout forged.key -out forged.csr -subj /CN=two 2>/dev/null
  printf '%s\n' basicConstraints=CA:FALSE keyUsage=critical,digitalSignature \
    extendedKeyUsage=serverAuth,clientAuth subjectAltName=IP:10.213.0.2,DNS:two >forged.ext
  openssl x509 -req -in forged.csr -CA forged-ca.crt -CAkey forged-ca.key -CAcreateserial \
    -days 1 -extfile forged.ext -out forged.crt 2>/dev/null
)
# peer_curl NAME [CERT KEY]: an HTTP/2 request to one's peer port from
# three's network; prints the HTTP status (000: no answer at all).
peer_curl() {
  local name=$1 code
  shift
  local -a cert=()
  (($#)) && cert=(--cert "$1" --key "$2")
  code=$(ip netns exec splab-three curl -sS --http2 --max-time 10 --cacert "$P/ca.crt" "${cert[@]}" \
    --resolve one:7444:10.213.0.1 -o /dev/null -w '%{http_code}' \
    https://one:7444/shadowport.peer.v1.Peer/BackupDone 2>"$WORK/curl-$name.err") || true
  printf '%s\n' "$code"
}
# peer_s_client_refused NAME [CERT KEY]: openssl s_client to one's peer port (a
# byte sent after the handshake, stdin kept open for 2 s so that it reads
# the server's answer); true when the connection was refused.
peer_s_client_refused() {
  local name=$1 rc=0
  shift
  local -a cert=()
  (($#)) && cert=(-cert "$1" -key "$2")
  { printf 'x'; sleep 2; } | ip netns exec splab-three timeout 10 openssl s_client -connect 10.213.0.1:7444 \
    -servername one -CAfile "$P/ca.crt" -alpn h2 "${cert[@]}" >"$WORK/s_client-$name.out" 2>&1 || rc=$?
  if [[ $rc -ne 0 ]] || grep -qiE 'unexpected eof|alert' "$WORK/s_client-$name.out"; then return 0; fi
  printf '    openssl s_client exited %s:\n' "$rc"
  grep -vE '^[A-Za-z0-9+/=]{40,}$' "$WORK/s_client-$name.out" | sed 's/^/    | /' | tail -n 25
  return 1
}
# handshake_failures TEXT: how many times one's log says the TLS handshake
# failed with TEXT.
handshake_failures() {
  grep -c "Handshake failed.*$1" "$LAB_DIR/one/shadowportd.log" || true
}
check "(c) control: with three's certificate (lab CA) one's peer port answers HTTP/2" \
  test "$(peer_curl valid "$P/three.crt" "$P/three.key")" = 200
nocert0=$(handshake_failures 'peer did not return a certificate')
code=$(peer_curl none)
check "(c) no client certificate: no service (curl HTTP status $code)" test "$code" = 000
check "(c) openssl s_client without a client certificate: the connection is refused" peer_s_client_refused none
check "(c) one's log: the TLS handshakes failed (peer did not return a certificate)" \
  wait_for 5 test "$(handshake_failures 'peer did not return a certificate')" -ge $((nocert0 + 2))
forged0=$(handshake_failures 'certificate verify failed')
code=$(peer_curl forged "$WORK/forged.crt" "$WORK/forged.key")
check "(c) a certificate 'two' from another CA: no service (curl HTTP status $code)" test "$code" = 000
check "(c) openssl s_client with a certificate from another CA: the connection is refused" \
  peer_s_client_refused forged "$WORK/forged.crt" "$WORK/forged.key"
check "(c) one's log: the TLS handshakes failed (certificate verify failed)" \
  wait_for 5 test "$(handshake_failures 'certificate verify failed')" -ge $((forged0 + 2))
check "(c) one's shadowportd still serves" bash -c "'$LAB_SCRIPT' --dir '$LAB_DIR' exec one shadowport status >/dev/null"

lab_finish
