#!/usr/bin/env bash
# Runs every test of the project. On a fresh machine it first installs what the tests need
# (Debian's zbar-tools, poppler-utils, fonts-dejavu-core and PostgreSQL, a Python venv with
# pycose; for the bindings kotlinc and JNA, and a Debian trixie chroot with Swift; for the
# fuzzing smoke nightly Rust and cargo-fuzz, through scripts/toolchains/), caching it outside
# the checkout in
# ${EHK_TOOLCHAIN_CACHE:-/var/cache/ehk-toolchains}. A missing tool fails the run; nothing is
# skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

# One build per run: incremental compilation data only costs disk (gigabytes) here.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

step "test tools"
# zbar-tools reads QR codes back; poppler-utils reads the activation letters (pdftotext,
# pdftoppm, pdfinfo); fonts-dejavu-core is the letters' font.
DEBIAN_TEST_PACKAGES=(zbar-tools poppler-utils fonts-dejavu-core)
if ! command -v zbarimg >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1 \
    || ! command -v pdftoppm >/dev/null 2>&1 || ! command -v pdfinfo >/dev/null 2>&1 \
    || [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf ]; then
    apt-get install -y --no-install-recommends "${DEBIAN_TEST_PACKAGES[@]}" >/dev/null 2>&1 \
        || { apt-get update >/dev/null && apt-get install -y --no-install-recommends "${DEBIAN_TEST_PACKAGES[@]}" >/dev/null; }
fi
for tool in zbarimg pdftotext pdftoppm pdfinfo; do
    command -v "$tool" >/dev/null || { echo "$tool could not be installed" >&2; exit 1; }
done
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf ] \
    || { echo "fonts-dejavu-core could not be installed" >&2; exit 1; }
EHK_TEST_PYTHON="$(bash scripts/toolchains/python.sh --print-python -r tests/interop/requirements.txt)"
export EHK_TEST_PYTHON
echo "zbarimg: $(command -v zbarimg); python with pycose: $EHK_TEST_PYTHON"

step "PostgreSQL for the issuer service's tests (Debian's package, a throwaway cluster)"
pg_dir="$(mktemp -d)"
trap 'scripts/postgres.sh stop "$pg_dir"; rm -rf "$pg_dir"' EXIT
EHK_TEST_POSTGRES="$(scripts/postgres.sh start "$pg_dir")"
export EHK_TEST_POSTGRES
echo "PostgreSQL: $EHK_TEST_POSTGRES"

step "formatting"
cargo fmt --all -- --check

step "Rust tests (core, CLI, interop with pycose and zbarimg)"
# With the bindings' test-only issuer feature, so scripts/bindings.sh reuses this build.
cargo test --workspace --locked --features ehk-bindings/issuer

step "bindings: Python, Kotlin, Swift, Android kit, iOS kit"
scripts/test-bindings.sh

step "fuzzing smoke: every fuzz target for a few seconds (nightly, cargo-fuzz)"
scripts/fuzz.sh --smoke

step "all tests passed"
