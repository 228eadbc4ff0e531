#!/usr/bin/env bash
# Make sure the Debian packages of a list are installed: debian-packages.txt (TeX, latexmk,
# poppler-utils) by default, or the list given as the first argument (debian-packages-web.txt).
# A line is a package, optionally followed by a program that, when on the PATH, stands in for it.
# Installs the missing ones with apt-get when running as root (or with password-less sudo);
# otherwise stops with a message naming them. Exit 0 when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."
list=${1:-debian-packages.txt}
packages=()
programs=()
while read -r package program _; do
    packages+=("$package")
    programs+=("${program:-}")
done < <(grep -v '^[[:space:]]*\(#\|$\)' "$list")

if ! command -v dpkg-query >/dev/null 2>&1; then
    # Not Debian: all we can do is look for the programs the build runs.
    case "$list" in
        *web*) needed=(latexmlc chromium npm) ;;
        *) needed=(latexmk pdflatex pdftotext) ;;
    esac
    for program in "${needed[@]}"; do
        command -v "$program" >/dev/null 2>&1 || {
            echo "error: $program is missing (on Debian: ${packages[*]})" >&2
            exit 1
        }
    done
    exit 0
fi

missing=()
for i in "${!packages[@]}"; do
    package=${packages[$i]}
    program=${programs[$i]}
    if [ -n "$program" ] && command -v "$program" >/dev/null 2>&1; then
        continue
    fi
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
