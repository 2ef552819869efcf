#!/usr/bin/env bash
# The README's test command: on a fresh machine it installs what the tests need (Debian packages,
# as root or with sudo, only those missing), fetches the pinned test vectors, then runs every
# test. Arguments go to `cargo test` (for example a test's name).
#
#   scripts/test.sh            everything
#   scripts/test.sh --no-run   set up and build only
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'test.sh: %s\n' "$*" >&2; }

# Debian packages: command -> package. ca-certificates holds the 142 real roots tests read. The
# real peers of serve, connect and the recipes: Node.js, Go, a JDK (java runs a one-file client;
# keytool reads the key stores), nginx (in /usr/sbin, which a user's PATH may lack). Chromium
# opens the page of a run headless. certutil and vfychain (NSS) and update-ca-certificates are the
# stores `certbench trust` installs into, and their judges (tests/trust.rs runs as root).
missing=()
for pair in openssl:openssl curl:curl tmux:tmux tshark:tshark python3:python3 node:nodejs \
  go:golang-go java:default-jdk-headless javac:default-jdk-headless keytool:default-jdk-headless \
  nginx:nginx chromium:chromium certutil:libnss3-tools vfychain:libnss3-tools \
  update-ca-certificates:ca-certificates; do
  PATH="$PATH:/usr/sbin:/sbin" command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
# One package may give several commands.
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | awk 'NF && !seen[$0]++')
[ -d /usr/share/ca-certificates/mozilla ] || missing+=(ca-certificates)

as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    say "need root to run: $*"
    say "install these yourself, then run this again: ${missing[*]}"
    exit 1
  fi
}

if ((${#missing[@]})); then
  if ! command -v apt-get >/dev/null 2>&1; then
    say "missing: ${missing[*]}; this script installs them with apt-get (Debian, Ubuntu)."
    say "Install them with your package manager, then run it again."
    exit 1
  fi
  say "installing ${missing[*]}"
  as_root apt-get update -qq
  # tshark asks whether non-root users may capture; the answer does not matter here.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The x509 test vectors of PyPI's cryptography-vectors, pinned by version and hash, unpacked where
# tests/vectors.rs looks for them.
vectors_version=50.0.2
vectors_sha256=51641f03a3eb4edbe9fb68e3a3574d25f86aa502d06391fffa886330d02778a0
vectors=target/test-vectors
if [ ! -d "$vectors/cryptography_vectors/x509" ]; then
  if ! python3 -m pip --version >/dev/null 2>&1; then
    say "installing python3-pip (to fetch the test vectors)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-pip
  fi
  say "fetching cryptography-vectors $vectors_version (test data, 56 MB)"
  mkdir -p "$vectors"
  printf 'cryptography-vectors==%s --hash=sha256:%s\n' "$vectors_version" "$vectors_sha256" \
    >"$vectors/requirements.txt"
  python3 -m pip download --quiet --no-deps --require-hashes -r "$vectors/requirements.txt" -d "$vectors"
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
    "$vectors/cryptography_vectors-$vectors_version-py3-none-any.whl" "$vectors"
fi

exec cargo test --workspace --locked "$@"
