#!/usr/bin/env bash
# Take the README's screenshots from the real binary, in tmux, with ../shared/tools/tui.sh.
#   scripts/screenshots.sh            (writes screenshots/*.png)
set -euo pipefail
cd "$(dirname "$0")/.."
tui=${TUI_SH:-../shared/tools/tui.sh}
[ -x "$tui" ] || { echo "screenshots: $tui not found (set TUI_SH)" >&2; exit 2; }
cargo build --release --quiet
bin=$PWD/target/release/certbench
work=$(mktemp -d)
trap 'rm -rf "$work"; "$tui" stop shots >/dev/null 2>&1 || true' EXIT
export XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data
mkdir -p screenshots

start() { # start SIZE: a fresh TUI on the demo workspace, its tour ended (it has shots of its own)
  mkdir -p "$work/workspace"
  : >"$work/workspace/.certbench-tour"
  "$tui" start shots "$1" -- env XDG_CONFIG_HOME="$XDG_CONFIG_HOME" XDG_DATA_HOME="$XDG_DATA_HOME" "$bin" --dir "$work/workspace"
  "$tui" wait shots "Generate" 15
  sleep 0.3
}
start_tour() { # start_tour SIZE: a fresh TUI on a new demo workspace, as a newcomer meets it
  rm -rf "$work/workspace"
  "$tui" start shots "$1" -- env XDG_CONFIG_HOME="$XDG_CONFIG_HOME" XDG_DATA_HOME="$XDG_DATA_HOME" "$bin" --dir "$work/workspace"
  "$tui" wait shots "Tour 1/11" 15
  sleep 0.3
}
until_seen() { # until_seen TEXT KEY: press KEY until TEXT shows (at most 40 times)
  for _ in $(seq 40); do
    "$tui" text shots | grep -q "$1" && return 0
    "$tui" keys shots "$2"
    sleep 0.1
  done
  "$tui" wait shots "$1" 5
}
shot() { "$tui" png shots "screenshots/$1.png" >/dev/null; echo "screenshots/$1.png"; }

start 120x34
shot generate
"$tui" keys shots Enter Down Down Down Down Down Down Down Down Enter C-u
"$tui" keys shots w e b . i n t e r n a l , ' ' 1 0 . 0 . 0 . 3 0 0 Enter
"$tui" wait shots "not a valid IP"
shot generate-form-errors
"$tui" keys shots Enter BSpace BSpace BSpace 7 Enter i
"$tui" wait shots "Issued server" 15
shot generate-issued
"$tui" keys shots Escape Escape Down Down Down x Right
"$tui" wait shots "Reason"
shot generate-revoke
"$tui" keys shots Escape '?'
"$tui" wait shots "Generate: certificate list"
shot help
# The OCSP responder (O), asked by openssl's own client about the server and the client.
"$tui" keys shots Escape O
"$tui" wait shots "OCSP responder http://"
url=$("$tui" text shots | grep -o 'http://127.0.0.1:[0-9]*' | head -1)
for who in server client; do
  (cd "$work/workspace" && openssl ocsp -issuer intermediate.crt -cert "$who.crt" -url "$url" -CAfile ca.crt >/dev/null 2>&1)
done
"$tui" wait shots "2 answered"
shot generate-responder
"$tui" keys shots O
"$tui" wait shots "responder stopped"
# How the workspace ages (a), and the machine's trust stores (T), read only: no install here.
"$tui" keys shots a
"$tui" wait shots "days left"
shot generate-status
"$tui" keys shots Escape T
"$tui" wait shots "SHA-256" 20
shot generate-trust
"$tui" keys shots Escape
# Renewing the selected certificate asks first (u); n renews nothing.
"$tui" keys shots u
"$tui" wait shots "fresh serial"
shot generate-renew
"$tui" keys shots n
"$tui" wait shots "Nothing was renewed"
"$tui" keys shots 2
"$tui" wait shots "Chain verifies"
"$tui" keys shots Down Down Down Down
shot inspect
"$tui" keys shots Enter Down Down Down Down Down Down Down Down Down Down Down Down Down Down Down Down Down Down Down Down
shot inspect-fields
"$tui" keys shots Enter Right Right Right Right
shot inspect-hex
"$tui" keys shots Escape Escape p p
"$tui" wait shots "Verified for a client"
shot inspect-verify-fails
"$tui" keys shots p 3
shot handshake
"$tui" keys shots r
"$tui" wait shots "The handshake and the request succeeded" 20
"$tui" keys shots Up Up Up Up Up Up Up Up Up Up Up Up Up Up Up Up Up Up Up Up Up Up Up Up Up Up Up
"$tui" keys shots Down Down Down Down Down Down Down Down Down Down Down Down
shot handshake-run
# The server's Certificate: its bytes annotated, the cursor on its first certificate's length.
for _ in $(seq 40); do "$tui" keys shots Up; done
"$tui" keys shots Down Down Down Down Down Down Down Down
"$tui" wait shots "A side sends its certificate chain"
"$tui" keys shots b Right Right Right Right Right
shot handshake-bytes
"$tui" keys shots b
"$tui" keys shots c r
"$tui" wait shots "the server caught it" 20
shot handshake-no-client-cert
"$tui" keys shots c s r
"$tui" wait shots "paused" 20
"$tui" keys shots Space
sleep 0.5
"$tui" keys shots Space
"$tui" wait shots "EncryptedExtensions" 20
sleep 0.5
shot handshake-step
"$tui" keys shots x s t r
"$tui" wait shots "The handshake and the request succeeded" 20
"$tui" keys shots Up Up Up Up
shot handshake-tls12
for _ in $(seq 40); do "$tui" keys shots Up; done
"$tui" keys shots Down Down Down Down i
"$tui" wait shots "Saved the certificates" 10
shot inspect-from-handshake
"$tui" keys shots 3 t
"$tui" keys shots 1 Enter Up Up Up Up Up Up Up Up Up Up Up Up Up Up Up Up Up Up Up
"$tui" keys shots Down Down Down Right Right Right Right Right i
"$tui" wait shots "Issuing" 5
shot generate-rsa-spinner
"$tui" stop shots

"$tui" start shots 120x34 -- env XDG_CONFIG_HOME="$XDG_CONFIG_HOME" XDG_DATA_HOME="$XDG_DATA_HOME" "$bin" --dir "$work/workspace" --system
"$tui" wait shots "Certificates (" 15
"$tui" keys shots / I S R G Enter Enter Down Down Down Down Down Down Down Down Down Down Down Down
shot inspect-system
"$tui" stop shots

rm -rf "$work/workspace"
start 160x48
"$tui" keys shots Enter i
"$tui" wait shots "Issued server" 15
shot generate-160x48
# The failure lab: the picker, a scenario's failure explained, its culprit at its field.
"$tui" keys shots Escape 3 l
"$tui" wait shots "pick a scenario"
"$tui" keys shots Down Down Down Down
shot lab-picker
"$tui" keys shots Enter
"$tui" wait shots "the server caught it" 20
shot lab-client-expired
"$tui" keys shots i
"$tui" wait shots "About this field" 10
shot lab-culprit-inspected
# The diagram at 160x48: the whole run, who proved what; TLS 1.2; a client without a certificate
# where the server asks but does not require one.
"$tui" keys shots 3 l Up Up Up Up Up Up Up Up Up Up Enter r
"$tui" wait shots "The handshake and the request succeeded" 20
shot handshake-diagram-160x48
"$tui" keys shots t r
"$tui" wait shots "The handshake and the request succeeded" 20
shot handshake-tls12-160x48
"$tui" keys shots t c a r
"$tui" wait shots "The handshake and the request succeeded" 20
shot handshake-no-client-cert-optional-160x48
"$tui" stop shots

# Every pane at 80x24: the form, a certificate's fields with the verdict scrolled into view, a
# run's step scrolled to its last fields.
rm -rf "$work/workspace"
start 80x24
"$tui" keys shots Enter
shot generate-80x24
"$tui" keys shots Escape 2
"$tui" wait shots "Certificates"
"$tui" keys shots Down Down Down Enter Down Down Down Down Down Down Down Down Down Down J J J J
shot inspect-80x24
"$tui" keys shots Escape 3 r
"$tui" wait shots "The handshake and the request succeeded" 20
for _ in $(seq 40); do "$tui" keys shots Up; done
"$tui" keys shots Down Down PageDown
shot handshake-80x24
"$tui" keys shots b Right Right Right Right
shot handshake-bytes-80x24
"$tui" keys shots b
"$tui" keys shots l Down Down Down Down Down Down Down Down Down Enter
"$tui" wait shots "the client caught it" 20
shot lab-80x24
"$tui" stop shots

# Serving your own clients: curl with the workspace's client certificate, then without one; the
# refused connection shown as the server saw it.
rm -rf "$work/workspace"
start 120x34
"$tui" keys shots 3 S
"$tui" wait shots "serving https://localhost:" 15
port=$("$tui" text shots | grep -o 'serving https://localhost:[0-9]*' | head -1 | grep -o '[0-9]*$')
ws=$work/workspace
curl -s --cacert "$ws/ca.crt" --cert "$ws/client-chain.crt" --key "$ws/client.key" "https://localhost:$port/" >/dev/null
curl -s --cacert "$ws/ca.crt" "https://localhost:$port/" >/dev/null || true
"$tui" wait shots "handshake failed" 15
shot serve
"$tui" keys shots S
"$tui" wait shots "Stopped serving" 10
"$tui" stop shots

# Files other tools take: export with a password, a service's request reviewed, the recipes, and
# a PKCS#12 bundle opened in the Inspect pane with its password.
rm -rf "$work/workspace"
start 120x34
ws=$work/workspace
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/svc.key" \
  -subj "/C=FR/L=Paris/O=Acme/CN=svc.internal" \
  -addext "subjectAltName=DNS:svc.internal,IP:10.0.0.7" \
  -addext "extendedKeyUsage=serverAuth,codeSigning" -addext "keyUsage=digitalSignature,keyCertSign" \
  -out "$work/svc.csr" 2>/dev/null
"$tui" keys shots Down Down Down e
"$tui" keys shots c h a n g e i t
shot export
"$tui" keys shots Enter
"$tui" wait shots "Wrote client.p12" 10
"$tui" keys shots s
for c in $(printf '%s' "$work/svc.csr" | fold -w1); do "$tui" keys shots "$c"; done
"$tui" keys shots Enter
"$tui" wait shots "It asks for" 10
shot sign-request
"$tui" keys shots Escape Up r
"$tui" wait shots "Recipes for" 10
shot recipes
"$tui" keys shots Escape 2 o
for c in $(printf '%s' "$ws/client.p12" | fold -w1); do "$tui" keys shots "$c"; done
"$tui" keys shots Enter
"$tui" wait shots "needs its password" 10
"$tui" keys shots Enter c h a n g e i t
shot inspect-pkcs12-password
"$tui" keys shots Enter
"$tui" wait shots "Read client.p12" 10
shot inspect-pkcs12
"$tui" stop shots

rm -rf "$work/workspace"
start 80x24
"$tui" keys shots s
for c in $(printf '%s' "$work/svc.csr" | fold -w1); do "$tui" keys shots "$c"; done
"$tui" keys shots Enter
"$tui" wait shots "It asks for" 10
shot sign-request-80x24
"$tui" keys shots Escape Down Down Down e
shot export-80x24
"$tui" stop shots

# The guided tour, as a newcomer takes it: at 80x24, then each stage at a wide size.
start_tour 80x24
shot tour-80x24
"$tui" stop shots
start_tour 160x48
shot tour-start-160x48
"$tui" keys shots 2 Down Down Down Enter
"$tui" wait shots "Tour 3/11"
until_seen "Tour 4/11" Down
shot tour-client-eku-160x48
"$tui" keys shots 3 r
"$tui" wait shots "Tour 5/11" 20
"$tui" keys shots g
until_seen "Tour 6/11" Down
shot tour-certificate-request-160x48
until_seen "Tour 7/11" Down
"$tui" keys shots End s r
"$tui" wait shots "Next: the client's ClientHello" 20
"$tui" keys shots Space Space
"$tui" wait shots "Next: the client's Certificate" 20
shot tour-step-160x48
until_seen "Tour 9/11" Space
"$tui" keys shots s l Down Down Down Down Enter
"$tui" wait shots "Tour 10/11" 20
shot tour-broken-160x48
"$tui" keys shots i
"$tui" wait shots "Tour 11/11" 10
shot tour-culprit-160x48
"$tui" stop shots

# The relay between two programs nobody here wrote (curl and openssl s_server), in the TUI: one
# connection that worked, decrypted with curl's key log, one the server refused, and one whose
# client left after the handshake.
relay_ws=$work/relay
"$bin" --dir "$relay_ws" gen >/dev/null
"$bin" --dir "$relay_ws" issue --role ca --name other >/dev/null
"$bin" --dir "$relay_ws" issue --role client --name bob --issuer other >/dev/null
(cd "$relay_ws" && exec openssl s_server -accept 18443 -quiet -www -cert server.crt \
  -cert_chain intermediate.crt -key server.key -CAfile ca.crt -Verify 1 -verify_return_error) >/dev/null 2>&1 &
s_server=$!
trap 'kill $s_server 2>/dev/null; rm -rf "$work"; "$tui" stop shots >/dev/null 2>&1 || true' EXIT
for size in 80x24 160x48; do
  "$tui" start shots "$size" -- env XDG_CONFIG_HOME="$XDG_CONFIG_HOME" XDG_DATA_HOME="$XDG_DATA_HOME" \
    "$bin" --dir "$relay_ws" relay --tui --listen 127.0.0.1:18444 --to localhost:18443 --keylog "$relay_ws/keys.log"
  "$tui" wait shots "relaying" 15
  (cd "$relay_ws" && SSLKEYLOGFILE=keys.log curl -sS --cacert ca.crt --cert client-chain.crt --key client.key https://localhost:18444/ -o /dev/null)
  (cd "$relay_ws" && SSLKEYLOGFILE=keys.log curl -sS --cacert ca.crt --cert bob.crt --key bob.key https://localhost:18444/ -o /dev/null 2>/dev/null) || true
  # A client that refuses the server's name after the handshake, and leaves without a request.
  (cd "$relay_ws" && SSLKEYLOGFILE=keys.log curl -sS --cacert ca.crt --cert client-chain.crt --key client.key \
    --resolve elsewhere.test:18444:127.0.0.1 https://elsewhere.test:18444/ -o /dev/null 2>/dev/null) || true
  "$tui" wait shots "no request" 15
  sleep 0.5
  shot "relay-$size"
  "$tui" stop shots
done

# The page of a run (handshake --html) in Debian's Chromium, headless: its top, one annotated
# message alone (the CertificateRequest, cut out of the page with its head and styles), and a
# failing lab scenario's top; the gallery's index.
page_ws=$work/page
"$bin" --dir "$page_ws" gen >/dev/null
"$bin" --dir "$page_ws" handshake --html "$page_ws/run.html" >/dev/null
"$bin" --dir "$page_ws" lab --html "$page_ws/gallery" >/dev/null
python3 - "$page_ws/run.html" "$page_ws/message.html" CertificateRequest <<'PY'
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
head = page[: page.index("<main>") + len("<main>")]
m = re.search(r'<section class="message" id="m\d+" data-message="%s".*?</section>' % sys.argv[3], page, re.S)
open(sys.argv[2], "w", encoding="utf-8").write(head + m.group(0) + "</main></body></html>")
PY
browse() {
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --disable-background-networking --user-data-dir="$work/chromium" \
    --window-size="$2" --screenshot="$PWD/screenshots/$3.png" "file://$1" >/dev/null 2>&1
  echo "screenshots/$3.png"
}
browse "$page_ws/run.html" 1280,1500 page-top
browse "$page_ws/message.html" 1280,3400 page-message
browse "$page_ws/gallery/client-expired.html" 1280,1300 page-lab-failure
browse "$page_ws/gallery/index.html" 1280,1100 page-gallery
