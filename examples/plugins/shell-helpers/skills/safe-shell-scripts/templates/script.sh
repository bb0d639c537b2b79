#!/bin/sh
# <one line: what this script does>
# Usage: script.sh [-n] FILE...
set -eu

die() {
  printf '%s: %s\n' "${0##*/}" "$*" >&2
  exit 1
}

dry_run=0
while getopts n opt; do
  case "$opt" in
    n) dry_run=1 ;;
    *) die "usage: ${0##*/} [-n] FILE..." ;;
  esac
done
shift $((OPTIND - 1))
[ "$#" -gt 0 ] || die "usage: ${0##*/} [-n] FILE..."

tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT INT TERM

for file in "$@"; do
  [ -f "$file" ] || die "not a file: $file"
  if [ "$dry_run" -eq 1 ]; then
    printf 'would process %s\n' "$file"
    continue
  fi
  cp -- "$file" "$tmp/"
  # ... work on "$tmp/${file##*/}" here ...
done
