#!/usr/bin/env bash
# Installs the system packages VLExport needs, when they are missing.
#
# Sourced by the other scripts, or run on its own: Scripts/setup.sh [EXTRA_PACKAGE...]
# Always needed: libyajl-dev (yajl's headers and library) and pkg-config (SwiftPM
# finds yajl through yajl.pc). Uses apt-get, with sudo when not root.

vlx_install_missing() {
    local missing=()
    local package
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0

    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; return 1; }
        sudo=(sudo)
    fi
    echo "setup: installing ${missing[*]}" >&2
    "${sudo[@]}" apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

vlx_require_swift() {
    command -v swift >/dev/null 2>&1 || {
        echo "setup: the Swift toolchain (6.1 or later) is not on PATH; install it from swift.org first" >&2
        return 1
    }
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    vlx_require_swift
    vlx_install_missing libyajl-dev pkg-config "$@"
fi
