#!/usr/bin/env bash
# Every speed figure of certbench against its peer, measured in one run on this machine, with
# the goal each has. By hand, not in CI: the figures hold only side by side on one quiet machine
# (nothing else running; on two cores a build or a browser halves them), and the run takes some
# ten minutes. Each line comes from a criterion bench in benches/ (see each file's comment for
# what it measures and how) or, for `handshake --count`, from the two commands below.
#
#   scripts/compare.sh            needs openssl, nginx and ca-certificates (apt-get install ...)
#
# Ratios are certbench over its peer: below 1 is faster for times, above 1 for rates.
set -euo pipefail
cd "$(dirname "$0")/.."

need() {
    command -v "$1" >/dev/null 2>&1 || {
        echo "compare.sh needs $1: apt-get install $2" >&2
        exit 1
    }
}
need openssl openssl
need nginx nginx
need ss iproute2
[ -d /usr/share/ca-certificates/mozilla ] || {
    echo "compare.sh needs the Mozilla roots: apt-get install ca-certificates" >&2
    exit 1
}

work=$(mktemp -d)
server=
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

echo "building (release and benches)..." >&2
cargo build --release --quiet
cargo bench --no-run --quiet 2>/dev/null

# Every loopback connection leaves a socket in TIME_WAIT for a minute; thousands of them slow
# every connect() after: each loopback figure starts with none (or after 70 s).
settle() {
    local waited=0
    while [ "$(ss -tan state time-wait | wc -l)" -gt 1 ] && [ $waited -lt 70 ]; do
        sleep 5
        waited=$((waited + 5))
    done
}

bench() { cargo bench --quiet --bench "$@" 2>/dev/null; }

# A network namespace of its own has its own loopback and none of the machine's TIME_WAIT
# sockets (unshare -r maps this user to root inside, so it needs no root outside); where the
# kernel allows none, the figure waits for the sockets to go instead.
fresh_net() {
    if unshare -rn true 2>/dev/null; then
        unshare -rn sh -c 'ip link set lo up && exec "$@"' sh "$@"
    else
        settle
        "$@"
    fi
}

echo
echo "== watching a handshake: observed run against bare rustls, CPU time, pairs of runs (goal: +5% or less)"
fresh_net cargo bench --quiet --bench handshake -- --warm-up-time 0.2 --measurement-time 1 2>/dev/null |
    grep -E '^(cost of watching|the same, )' || true
echo "   the observer alone, one run's bytes and secrets, no sockets (benches/observe.rs):"
bench observe -- --warm-up-time 0.5 --measurement-time 2 | grep -E 'time:' | sed 's/  */ /g' || true

echo
echo "== the TUI at 200x60 (goal: a frame under 2 ms)"
bench render -- 200x60 | grep -E '^200x60|time:' | paste - - | sed 's/  */ /g' || true

echo
echo "== inspect --json, 10,000 certificates, against openssl storeutl -noout -text (goal: 0.08x or less)"
bench inspect -- --warm-up-time 0.2 --measurement-time 1 | grep 'whole process' || true

echo
echo "== gen, a P-256 set on disk, against the openssl commands for it (goal: 0.05x or less)"
bench startup -- --warm-up-time 0.2 --measurement-time 1 | grep '^gen,' || true

echo
echo "== handshake --count against openssl s_server + s_time -new: sequential full mTLS handshakes,"
echo "   the same certificates and key exchange (x25519); certbench also sends a request and reads the"
echo "   answer, s_time -new does not, s_time -new -www does (goal: 2x or more)"
settle
ws="$work/ws"
target/release/certbench --dir "$ws" gen >/dev/null
# s_time sends the chain it builds from its -CAfile store (its -cert takes one certificate):
# the intermediate goes there, so the server gets the client's whole chain, as certbench's
# client sends it; -verify_return_error makes a chain that does not verify fail, not pass.
cat "$ws/ca.crt" "$ws/intermediate.crt" > "$work/client-store.pem"
port=$(( 20000 + RANDOM % 20000 ))
(cd "$ws" && exec openssl s_server -accept "127.0.0.1:$port" -cert server.crt -key server.key \
    -cert_chain intermediate.crt -CAfile ca.crt -Verify 3 -verify_return_error -tls1_3 \
    -groups X25519 -no_ticket -quiet -www </dev/null >/dev/null 2>&1) &
server=$!
sleep 1
# s_time for 4 seconds (with -www: fetching a page too): connections a second of the wall clock.
s_time() {
    local start end n
    start=$(date +%s.%N)
    n=$(cd "$ws" && openssl s_time -connect "127.0.0.1:$port" -new -time 4 -cert client.crt \
        -key client.key -CAfile "$work/client-store.pem" "$@" 2>/dev/null |
        grep -o '^[0-9]* connections in [0-9.]*s' | head -1 | cut -d' ' -f1)
    end=$(date +%s.%N)
    if [ -z "$n" ] || [ "$n" -eq 0 ]; then
        echo "openssl s_time made no connection to s_server on port $port" >&2
        exit 1
    fi
    awk -v n="$n" -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", n / (b - a) }'
}
count() {
    target/release/certbench --dir "$ws" handshake --count 2000 --group x25519 --json |
        grep -o '"handshakes_per_s":[0-9.]*' | cut -d: -f2
}
ratios=()
www_ratios=()
for round in 1 2 3; do
    # Each run leaves its sockets in TIME_WAIT for the next: who goes first changes each round.
    if [ "$round" -eq 2 ]; then
        theirs=$(s_time)
        www=$(s_time -www /)
        ours=$(count)
    else
        ours=$(count)
        theirs=$(s_time)
        www=$(s_time -www /)
    fi
    ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.2f", a / b }')
    www_ratio=$(awk -v a="$ours" -v b="$www" 'BEGIN { printf "%.2f", a / b }')
    ratios+=("$ratio")
    www_ratios+=("$www_ratio")
    printf 'round %d: certbench handshake --count %.0f/s; s_server + s_time -new %s/s (%sx), with -www %s/s (%sx)\n' \
        "$round" "$ours" "$theirs" "$ratio" "$www" "$www_ratio"
done
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
printf 'median: %sx s_time -new, %sx s_time -new -www\n' "$(median "${ratios[@]}")" \
    "$(median "${www_ratios[@]}")"
kill "$server" 2>/dev/null || true
server=

echo
echo "== serve against nginx and openssl s_server -www, sharing the cores with the load client, then"
echo "   each server on a core of its own; memory with 10,000 idle connections"
echo "   (goals: 2x nginx and 1.5x s_server in handshakes; memory measured and bounded)"
settle
bench serve | grep -vE '^\s*$' || true
