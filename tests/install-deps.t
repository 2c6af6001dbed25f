#!/bin/sh
# tier: host (see tests/lib/tier-exec)
# SPDX-License-Identifier: GPL-2.0
# scripts/install-deps.sh: as root it runs apt-get itself; as another user
# it runs itself again through sudo, and says so when there is no sudo.
# Runs the script against stub commands (dpkg-query says everything is
# missing, id says who we are, sudo and apt-get only record their
# arguments): nothing is installed. TAP output.

SRC=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lkvm-deps.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
N=0

ok() { N=$((N + 1)); echo "ok $N - $1"; }
not_ok() { N=$((N + 1)); echo "not ok $N - $1"; sed 's/^/# /' "$TMP/out" "$TMP/log" 2>/dev/null; }
check() { if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2"; fi; }

# stubs: $TMP/bin holds them and links to the few real tools the script uses
mkdir -p "$TMP/bin"
for t in grep; do ln -s "$(command -v $t)" "$TMP/bin/$t"; done
cat >"$TMP/bin/dpkg-query" <<'S'
#!/bin/sh
echo "unknown ok not-installed"
S
cat >"$TMP/bin/id" <<'S'
#!/bin/sh
echo "$STUB_UID"
S
cat >"$TMP/bin/sudo" <<'S'
#!/bin/sh
echo "sudo $*" >>"$STUB_LOG"
S
cat >"$TMP/bin/apt-get" <<'S'
#!/bin/sh
echo "apt-get $*" >>"$STUB_LOG"
S
chmod +x "$TMP/bin/"*

run() {
	: >"$TMP/log"
	STUB_LOG="$TMP/log" STUB_UID=$1 PATH="$TMP/bin" /bin/sh "$SRC/scripts/install-deps.sh" \
		>"$TMP/out" 2>&1
	rc=$?
}

run 0
[ "$rc" = 0 ] && grep -q '^apt-get install' "$TMP/log" && ! grep -q '^sudo' "$TMP/log"
check $? "as root: apt-get runs directly, no sudo"

run 1000
[ "$rc" = 0 ] && grep -q "^sudo -- $SRC/scripts/install-deps.sh" "$TMP/log" &&
	grep -q 'not root: running again through sudo' "$TMP/out" && ! grep -q '^apt-get' "$TMP/log"
check $? "as a user: runs itself again through sudo"

rm "$TMP/bin/sudo"
run 1000
[ "$rc" = 1 ] && grep -q 'there is no sudo here: run this script as root' "$TMP/out" &&
	[ ! -s "$TMP/log" ]
check $? "as a user without sudo: one line saying so, status 1"

STUB_LOG="$TMP/log" STUB_UID=1000 PATH="$TMP/bin" /bin/sh "$SRC/scripts/install-deps.sh" --check \
	>"$TMP/out" 2>&1
[ "$?" = 1 ] && grep -q '^missing: build-essential' "$TMP/out"
check $? "--check lists what is missing and installs nothing"

echo "1..$N"
