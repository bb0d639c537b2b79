#!/bin/sh
# Check a commit message for the common mistakes. Usage:
#   check-commit-msg.sh FILE      (e.g. .git/COMMIT_EDITMSG)
#   git log -1 --format=%B | check-commit-msg.sh
# Exit status: 0 when clean, 1 when something should be fixed.
set -eu

if [ "$#" -gt 0 ]; then
  msg=$(grep -v '^#' "$1" || true)
else
  msg=$(grep -v '^#' || true)
fi

status=0
problem() {
  printf '%s\n' "$1" >&2
  status=1
}

subject=$(printf '%s\n' "$msg" | sed -n '1p')
second=$(printf '%s\n' "$msg" | sed -n '2p')

[ -n "$subject" ] || problem "the subject line is empty"
len=$(printf '%s' "$subject" | wc -m | tr -d ' ')
[ "$len" -le 72 ] || problem "the subject line has $len characters; keep it at 72 or fewer"
case "$subject" in
  *.) problem "the subject line ends with a period" ;;
esac
case "$subject" in
  Fixed\ *|Added\ *|Removed\ *|Changed\ *|Updated\ *|Fixes\ *|Adds\ *)
    problem "write the subject in the imperative mood (\"Fix ...\", not \"Fixed ...\")" ;;
esac
[ -z "$second" ] || problem "leave the second line blank between the subject and the body"

long=$(printf '%s\n' "$msg" | sed -n '3,$p' | grep -v '^    ' | awk 'length > 72' | wc -l | tr -d ' ')
[ "$long" -eq 0 ] || problem "$long body line(s) are longer than 72 columns (indented code excepted)"

[ "$status" -eq 0 ] && echo "commit message looks good"
exit "$status"
