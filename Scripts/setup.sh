#!/usr/bin/env bash
# Installs the system packages VLExport needs, when they are missing.
#
# Sourced by the other scripts, or run on its own: Scripts/setup.sh [EXTRA_PACKAGE...]
# Always needed: libyajl-dev (yajl's headers and library), zlib1g-dev (gzip in
# vlx) and pkg-config (SwiftPM finds both through their .pc files). Uses
# apt-get, with sudo when not root.

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

# Makes `python3 -c "import MODULE"` work, installing the PyPI package when it does not.
vlx_require_python_module() {
    local module=$1 package=${2:-$1}
    command -v python3 >/dev/null 2>&1 || vlx_install_missing python3 python3-pip
    python3 -c "import $module" 2>/dev/null && return 0
    echo "setup: installing the Python package $package" >&2
    python3 -m pip --version >/dev/null 2>&1 || vlx_install_missing python3-pip
    python3 -m pip install --quiet "$package" >&2 2>/dev/null \
        || python3 -m pip install --quiet --break-system-packages "$package" >&2
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
    vlx_install_missing libyajl-dev zlib1g-dev pkg-config "$@"
fi
