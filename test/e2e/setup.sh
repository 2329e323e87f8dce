#!/usr/bin/env bash
# Installs what the e2e suite needs, idempotently: Debian's chromium + ripgrep (+ libkrb5-dev for native
# builds) and code-server 4.100.3 (the newest release that runs on Node 20) into a cache folder outside
# the repo, reused on later runs. Prints the code-server binary path as its last line.
set -euo pipefail
CS_VERSION=4.100.3
CACHE=${PTUNE_E2E_CACHE:-$HOME/.cache/ptune-e2e}
DEST=$CACHE/code-server-$CS_VERSION
BIN=$DEST/node_modules/.bin/code-server

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v rg >/dev/null || missing+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
if [ ${#missing[@]} -gt 0 ]; then
  echo "e2e setup: apt-get install ${missing[*]}" >&2
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >&2
fi

if [ -x "$BIN" ] && [ -f "$DEST/.complete" ]; then
  echo "$BIN"; exit 0
fi

# @vscode/ripgrep's postinstall downloads rg from GitHub; offline it finds this tarball in its cache instead.
RG_TMP=$(mktemp -d)
mkdir -p /tmp/vscode-ripgrep-cache-1.15.11
cp "$(command -v rg)" "$RG_TMP/rg"
tar czf /tmp/vscode-ripgrep-cache-1.15.11/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz -C "$RG_TMP" rg
rm -rf "$RG_TMP"

echo "e2e setup: installing code-server $CS_VERSION into $DEST (builds native modules; takes minutes)" >&2
rm -rf "$DEST"; mkdir -p "$DEST"
cd "$DEST"
echo '{"name":"ptune-e2e-code-server","private":true}' > package.json
npm_config_yes=true npm install --no-save --unsafe-perm --foreground-scripts --no-audit --no-fund \
  "code-server@$CS_VERSION" >&2
[ -x "$BIN" ] || { echo "e2e setup: code-server binary missing after install: $BIN" >&2; exit 1; }
touch "$DEST/.complete"
echo "$BIN"
