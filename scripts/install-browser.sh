#!/usr/bin/env bash
# Headless Chromium and the Noto CJK fonts for the book's real-browser check
# (python -m tagbook.browsercheck). Installs from Debian only what is missing; uses sudo only when
# not already root. The Python `playwright` package drives this Chromium directly: no browser is
# ever downloaded by `playwright install`.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
if ! { command -v fc-list >/dev/null && fc-list ':lang=zh' family | grep -qi 'Noto Sans CJK'; }; then
    missing+=(fonts-noto-cjk)
fi

if [ ${#missing[@]} -eq 0 ]; then
    echo "chromium and fonts-noto-cjk are already installed"
    exit 0
fi

command -v apt-get >/dev/null || {
    echo "error: apt-get not found; install ${missing[*]} with your system's package manager" >&2
    exit 1
}
if [ "$(id -u)" -eq 0 ]; then
    as_root=()
else
    command -v sudo >/dev/null || { echo "error: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    as_root=(sudo)
fi

echo "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" fontconfig
fc-cache -f >/dev/null 2>&1 || true
/usr/bin/chromium --version
