#!/usr/bin/env bash
# A running issuer service for the binding tests and the demo: keys, a trust list, an
# ehk-server on a loopback port (SQLite), an admin token, and cards with activation letters.
#
# Usage: scripts/service-fixture.sh start DIR [CARDS]   (default 3 cards)
#        scripts/service-fixture.sh stop DIR
# `start` writes DIR/fixture.json: {"url", "root_public_key" (hex), "project_id",
# "trust_list" (path), "letters": [{"card_id", "holder_name", "link", "code"}]}, and prints its
# path. The binaries come from $EHK_BIN_DIR (default target/debug).
set -euo pipefail
cd "$(dirname "$0")/.."

cmd="${1:-}" dir="${2:-}" cards="${3:-3}"
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR [CARDS]" >&2; exit 2; }
bin="${EHK_BIN_DIR:-target/debug}"

if [ "$cmd" = stop ]; then
    if [ -f "$dir/server.pid" ]; then
        kill "$(cat "$dir/server.pid")" 2>/dev/null || true
        rm -f "$dir/server.pid"
    fi
    exit 0
fi
[ "$cmd" = start ] || { echo "usage: $0 start|stop DIR [CARDS]" >&2; exit 2; }
[ -x "$bin/ehk" ] && [ -x "$bin/ehk-server" ] || { echo "build ehk and ehk-server first ($bin)" >&2; exit 1; }

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
ehk="$bin/ehk"
"$ehk" key generate --out "$dir/root.key" >/dev/null
"$ehk" key generate --out "$dir/issuer.key" >/dev/null
"$ehk" trust init --root-key "$dir/root.key" --project 1 --out "$dir/trust-list.cose" >/dev/null
"$ehk" trust add-issuer --root-key "$dir/root.key" --list "$dir/trust-list.cose" \
    --issuer-pub "$dir/issuer.key.pub" --name "Landkreis Test" --roles cards --regions 9162 \
    --valid-from 2026-01-01 --valid-until 2030-12-31 >/dev/null
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
url="http://127.0.0.1:$port"
cat >"$dir/ehk-server.toml" <<TOML
listen = "127.0.0.1:$port"
public_url = "$url"
project_id = 1
issuer_name = "Landratsamt Test"
regions = [9162]
secret_file = "secret.hex"
trust_list = "trust-list.cose"
root_key = "root.key.pub"
revocation_list_out = "revocations.cose"

[database]
kind = "sqlite"
path = "ehk-server.db"

[signer]
kind = "file"
path = "issuer.key"

[activation]
per_client_per_minute = 100000
overall_per_minute = 1000000
TOML
"$bin/ehk-server" init --config "$dir/ehk-server.toml" >/dev/null
(umask 077 && "$bin/ehk-server" token --config "$dir/ehk-server.toml" --name "fixture admin" >"$dir/admin.token")
RUST_LOG=warn "$bin/ehk-server" serve --config "$dir/ehk-server.toml" >"$dir/server.log" 2>&1 &
echo $! >"$dir/server.pid"
up() { python3 -c "import urllib.request; urllib.request.urlopen('$url/activate', timeout=2)" 2>/dev/null; }
for _ in $(seq 1 100); do
    up && break
    sleep 0.1
done
up || { cat "$dir/server.log" >&2; exit 1; }

names=("Erika Mustermann" "Jürgen Weiß" "Ayşe Yılmaz" "Max Muster" "Anna Probe")
letters=()
for i in $(seq 1 "$cards"); do
    name="${names[$(((i - 1) % ${#names[@]}))]}"
    id="$(EHK_SERVICE_URL="$url" "$ehk" service --token-file "$dir/admin.token" add --name "$name" \
        --region 9162 --valid-from 2026-01-01 --valid-until 2029-12-31)"
    letter="$(EHK_SERVICE_URL="$url" "$ehk" service --token-file "$dir/admin.token" letter "$id")"
    code="$(sed -n 's/^code: //p' <<<"$letter")"
    link="$(sed -n 's/^link: //p' <<<"$letter")"
    letters+=("{\"card_id\": $id, \"holder_name\": \"$name\", \"link\": \"$link\", \"code\": \"$code\"}")
done
root_hex="$(tr -d '[:space:]' <"$dir/root.key.pub")"
{
    printf '{"url": "%s", "root_public_key": "%s", "project_id": 1, "trust_list": "%s", "letters": [' \
        "$url" "$root_hex" "$dir/trust-list.cose"
    (IFS=,; printf '%s' "${letters[*]}")
    printf ']}\n'
} >"$dir/fixture.json"
echo "$dir/fixture.json"
