#!/bin/sh
# tier: host (see tests/lib/tier-exec)
# SPDX-License-Identifier: GPL-2.0
# The lkvm command line: dispatcher, help, version, man pages and the
# usage-error contract (one error line, exit status 128). TAP output.
# LKVM is set by `make check`; default ./lkvm.

LKVM=${LKVM:-./lkvm}
SRC=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lkvm-cli.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
N=0

ok() { N=$((N + 1)); echo "ok $N - $1"; }
not_ok() {
	N=$((N + 1)); echo "not ok $N - $1"
	sed 's/^/# /' "$TMP/out" "$TMP/err" 2>/dev/null
}
skip() { N=$((N + 1)); echo "ok $N # SKIP $1"; }
check() { if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2"; fi; }

# run CMD...: status in $rc, output in $TMP/out and $TMP/err
run() { "$@" >"$TMP/out" 2>"$TMP/err"; rc=$?; }
has() { grep -q -e "$1" "$TMP/out"; }
lines() { wc -l <"$TMP/$1" | tr -d ' '; }
have_man() { command -v man >/dev/null 2>&1; }

lists_commands() {
	[ "$rc" = 0 ] && has '^   run  ' && has '^   help  ' && has '^   version  '
}

if [ ! -x "$LKVM" ]; then
	echo "1..0 # SKIP no lkvm binary at $LKVM"
	exit 0
fi

run "$LKVM"; lists_commands; check $? "lkvm with no arguments lists run, help, version"
run "$LKVM" help; lists_commands; check $? "lkvm help lists the commands"
run "$LKVM" --help; lists_commands; check $? "lkvm --help lists the commands"

run "$LKVM" foo
[ "$rc" = 128 ] && [ "$(lines err)" = 1 ] && [ ! -s "$TMP/out" ] &&
	grep -q "^lkvm: error: 'foo' is not an lkvm command. See 'lkvm help'." "$TMP/err"
check $? "unknown command: one line on stderr, exit 128"

run "$LKVM" rnu
[ "$rc" = 128 ] && [ "$(lines err)" = 1 ] && grep -q "Did you mean 'run'?" "$TMP/err"
check $? "unknown command close to one suggests it"

run "$LKVM" --bogus
[ "$rc" = 128 ] && [ "$(lines err)" = 1 ] && grep -q "unknown option '--bogus'" "$TMP/err"
check $? "unknown global option: exit 128"

if [ -f "$SRC/Documentation/lkvm-run.txt" ]; then
	run "$LKVM" help run
	[ "$rc" = 0 ] && { has 'lkvm-run' || has 'LKVM-RUN'; }
	check $? "lkvm help run shows the run page"
else
	skip "Documentation/lkvm-run.txt not written yet"
fi

run "$LKVM" help version
[ "$rc" = 0 ] && { has 'lkvm-version' || has 'LKVM-VERSION'; } && has 'KVM API version'
check $? "lkvm help version shows the version page"

run "$LKVM" help -t version
[ "$rc" = 0 ] && has '^lkvm-version(1)$' && has '^NAME$'
check $? "lkvm help -t prints the text page"

run env PATH=/nonexistent "$LKVM" help version
[ "$rc" = 0 ] && has '^lkvm-version(1)$'
check $? "without man(1) the text page is printed"

if have_man; then
	# A copy outside the build tree has no prebuilt man page next to it,
	# so the page is converted at run time.
	cp "$LKVM" "$TMP/lkvm"
	run "$TMP/lkvm" help version
	[ "$rc" = 0 ] && has 'LKVM-VERSION'
	check $? "a binary without prebuilt man pages converts at run time"
else
	skip "man(1) is not installed"
fi

run "$LKVM" help nosuch
[ "$rc" = 128 ] && [ "$(lines err)" = 1 ] && [ ! -s "$TMP/out" ]
check $? "lkvm help nosuch: one line, exit 128"

run "$LKVM" help -h
[ "$rc" = 0 ] && has '^usage: lkvm help' && has -- '--man <FILE>'
check $? "lkvm help -h lists its options"

run "$LKVM" version
[ "$rc" = 0 ] && has '^lkvm version [^ ][^ ]*$'
check $? "lkvm version prints a version"

if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	has '^KVM API version [0-9][0-9]*$'
	check $? "lkvm version prints the KVM API version"
else
	skip "no usable /dev/kvm"
fi

run "$LKVM" --version
[ "$rc" = 0 ] && has '^lkvm version '
check $? "lkvm --version is lkvm version"

run "$LKVM" version extra
[ "$rc" = 128 ] && grep -q "^lkvm version: error: unexpected argument 'extra'" "$TMP/err"
check $? "lkvm version with an argument: usage error"

if [ -f "$SRC/builtin-run.c" ]; then
	run "$LKVM" run -h
	[ "$rc" = 0 ] && has '^usage: lkvm run' && has '^[A-Z][^:]*:$' && has '^    -[a-zA-Z], --'
	check $? "lkvm run -h lists grouped options, exit 0"

	run "$LKVM" run --nosuch
	[ "$rc" = 128 ] && [ ! -s "$TMP/out" ] && [ "$(grep -c 'error' "$TMP/err")" = 1 ] &&
		grep -q "^lkvm run: error: unknown option '--nosuch'" "$TMP/err"
	check $? "lkvm run --nosuch: one error line, exit 128"

	# -n/--network: a bad form, and none with another -n, are usage
	# errors that name the input (net/opts.c; the unit test has them all)
	for a in "bridge" "user,hostfwd=tcp::0-:80" "tap,vhost=maybe"; do
		run "$LKVM" run -k /nonexistent -n "$a"
		[ "$rc" = 128 ] && [ "$(grep -c 'error' "$TMP/err")" = 1 ] &&
			grep -qF -- "-n '$a'" "$TMP/err"
		check $? "lkvm run -n '$a': one error line naming it, exit 128"
	done
	run "$LKVM" run -k /nonexistent -n none -n user
	[ "$rc" = 128 ] && [ "$(grep -c 'error' "$TMP/err")" = 1 ] && grep -q -- "-n none" "$TMP/err"
	check $? "lkvm run -n none -n user: usage error, exit 128"
else
	skip "builtin-run.c not written yet"
	skip "builtin-run.c not written yet"
fi

if [ -w /dev/full ]; then
	run sh -c '"$1" help >/dev/full' sh "$LKVM"
	[ "$rc" = 1 ] && grep -q 'write failure' "$TMP/err"
	check $? "a failed write to stdout is an error"
else
	skip "no /dev/full"
fi

# Every page converts, and man(1) formats it without warnings.
for txt in "$SRC"/Documentation/lkvm*.txt; do
	[ -f "$txt" ] || continue
	name=$(basename "$txt" .txt)
	up=$(echo "$name" | tr a-z A-Z | sed 's/-/\\\\-/g')
	run "$LKVM" help --man "$txt"
	[ "$rc" = 0 ] && head -n 1 "$TMP/out" | grep -q "^\.TH \"$up\" \"1\" " &&
		has '^\.SH "NAME"$' && has '^\.SH "SYNOPSIS"$' && has '^\.SH "DESCRIPTION"$'
	check $? "$name.txt converts to a man page with NAME, SYNOPSIS, DESCRIPTION"
	if have_man; then
		cp "$TMP/out" "$TMP/page.1"
		run man --warnings -l "$TMP/page.1"
		[ "$rc" = 0 ] && [ ! -s "$TMP/err" ]
		check $? "$name.1 formats without groff warnings"
	fi
done

echo "Not a page" >"$TMP/bad.txt"
run "$LKVM" help --man "$TMP/bad.txt"
[ "$rc" = 1 ] && grep -q 'not an lkvm page' "$TMP/err"
check $? "converting a file without a title fails"

echo "1..$N"
