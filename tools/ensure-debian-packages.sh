#!/usr/bin/env bash
# Make sure the Debian packages listed in debian-packages.txt (TeX, latexmk, poppler-utils) are
# installed. Installs the missing ones with apt-get when running as root (or with password-less
# sudo); otherwise stops with a message naming them. Exit 0 when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t packages < <(grep -v '^[[:space:]]*\(#\|$\)' debian-packages.txt)

if ! command -v dpkg-query >/dev/null 2>&1; then
    # Not Debian: all we can do is look for the programs the build runs.
    for program in latexmk pdflatex pdftotext; do
        command -v "$program" >/dev/null 2>&1 || {
            echo "error: $program is missing; install TeX Live with latexmk and poppler-utils" \
                 "(on Debian: ${packages[*]})" >&2
            exit 1
        }
    done
    exit 0
fi

missing=()
for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo)
else
    echo "error: missing Debian packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
    exit 1
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
