#!/usr/bin/env bash
# Installs vlx: installs what is missing, builds the release binary, and copies it and its
# shell completion scripts into PREFIX (default /usr/local):
#
#   Scripts/install.sh                 /usr/local/bin/vlx, completions for bash, zsh and fish
#   Scripts/install.sh ~/.local        ~/.local/bin/vlx (put ~/.local/bin on PATH)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/Scripts/setup.sh"
prefix=${1:-/usr/local}
case "$prefix" in
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "install.sh: unknown option $prefix (usage: Scripts/install.sh [PREFIX])" >&2; exit 2 ;;
esac

vlx_require_swift
vlx_install_missing libyajl-dev zlib1g-dev pkg-config

echo "install.sh: building vlx (release)" >&2
(cd "$root" && swift build -c release --product vlx >&2)
bin="$(cd "$root" && swift build -c release --show-bin-path)/vlx"

install -d "$prefix/bin" "$prefix/share/bash-completion/completions" "$prefix/share/zsh/site-functions" "$prefix/share/fish/vendor_completions.d"
install -m 755 "$bin" "$prefix/bin/vlx"
"$bin" --generate-completion-script bash > "$prefix/share/bash-completion/completions/vlx"
"$bin" --generate-completion-script zsh > "$prefix/share/zsh/site-functions/_vlx"
"$bin" --generate-completion-script fish > "$prefix/share/fish/vendor_completions.d/vlx.fish"

echo "install.sh: installed $prefix/bin/vlx and its completions for bash, zsh and fish" >&2
case ":$PATH:" in
    *":$prefix/bin:"*) ;;
    *) echo "install.sh: $prefix/bin is not on PATH; add it: export PATH=\"$prefix/bin:\$PATH\"" >&2 ;;
esac
