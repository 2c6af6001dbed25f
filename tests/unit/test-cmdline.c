// SPDX-License-Identifier: GPL-2.0
/*
 * hv/x86/cmdline.c: the Linux command line lkvm builds (default console,
 * PVM quirks, the user's -p last and winning), cmdline_has_key's word and
 * quote rules, the exact overflow boundary, and the clearcpuid= list
 * against the limits of Linux 6.1's parser.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/x86/cmdline.h"
#include "tests/tap.h"

/* Linux 6.1, arch/x86/kernel/cpu/common.c: clearcpuid= goes into char arg[128]. */
#define LINUX_CLEARCPUID_BUF 128
/* Linux 6.1 NCAPINTS: 32-bit feature words. */
#define LINUX_NCAPINTS 21

static char out[4096];

static int build(const char *user, enum console_type con, bool quirks)
{
	return linux_cmdline_build(out, sizeof(out), user, con, quirks, 0);
}

static int count_words(const char *s, const char *word)
{
	size_t n = strlen(word);
	int c = 0;

	for (const char *p = s; (p = strstr(p, word)); p += n)
		if ((p == s || p[-1] == ' ') && (p[n] == ' ' || p[n] == '=' || !p[n]))
			c++;
	return c;
}

static void test_has_key(void)
{
	ok(cmdline_has_key("console=ttyS0", "console"), "has_key: key=value");
	ok(cmdline_has_key("root=/dev/vda console", "console"), "has_key: bare key at the end");
	ok(cmdline_has_key("  console=x  ", "console"), "has_key: surrounded by spaces");
	ok(cmdline_has_key("a\tconsole=x\nb", "console"), "has_key: tab and newline separate words");
	ok(!cmdline_has_key("consoleblank=0", "console"), "has_key: consoleblank is not console");
	ok(!cmdline_has_key("earlyconsole=x", "console"), "has_key: key must start the word");
	ok(!cmdline_has_key("xconsole", "console"), "has_key: suffix match is not a key");
	ok(!cmdline_has_key("conso", "console"), "has_key: shorter word is not the key");
	ok(!cmdline_has_key("", "console"), "has_key: empty line");
	ok(!cmdline_has_key(NULL, "console"), "has_key: NULL line");
	ok(cmdline_has_key("foo=\"a b\"", "foo"), "has_key: quoted value, key found");
	ok(!cmdline_has_key("foo=\"a b\"", "b"), "has_key: word inside quotes is not a key");
	ok(!cmdline_has_key("foo=\"x console=y\"", "console"),
	   "has_key: key=value inside quotes is not a key");
	ok(cmdline_has_key("foo=\"a b\" console=y", "console"),
	   "has_key: key after a quoted value with spaces");
	ok(cmdline_has_key("foo=\"a b\" bar", "bar"), "has_key: bare key after quoted value");
	ok(cmdline_has_key("clearcpuid=1", "clearcpuid"), "has_key: clearcpuid=1");
	ok(!cmdline_has_key("noxsaves", "noxsave"), "has_key: noxsaves is not noxsave");
	ok(cmdline_has_key("noxsaves noxsave", "noxsave"), "has_key: second word matches");
	ok(!cmdline_has_key("io_delay_x=1", "io_delay"), "has_key: io_delay_x is not io_delay");
}

static void test_defaults(void)
{
	char want[1024];
	int n;

	n = build(NULL, CONSOLE_SERIAL, false);
	is_str(out, "console=ttyS0", "no -p, serial: console=ttyS0 only");
	is_int(n, strlen(out), "returns the length");

	build("", CONSOLE_SERIAL, false);
	is_str(out, "console=ttyS0", "empty -p: no trailing space");

	build(NULL, CONSOLE_VIRTIO, false);
	is_str(out, "console=hvc0", "virtio console: console=hvc0");

	build("root=/dev/vda rw", CONSOLE_SERIAL, false);
	is_str(out, "console=ttyS0 root=/dev/vda rw", "user params appended after the default");

	n = build("console=hvc0 root=/dev/vda", CONSOLE_SERIAL, false);
	is_str(out, "console=hvc0 root=/dev/vda", "user console= replaces the default");
	is_int(n, strlen(out), "length without a default");

	build("consoleblank=0", CONSOLE_SERIAL, false);
	is_str(out, "console=ttyS0 consoleblank=0", "consoleblank= does not suppress console=");

	build("foo=\"x console=y\"", CONSOLE_SERIAL, false);
	is_str(out, "console=ttyS0 foo=\"x console=y\"",
	       "console= inside a quoted value does not suppress the default");

	build(NULL, CONSOLE_SERIAL, true);
	snprintf(want, sizeof(want),
		 "console=ttyS0 noxsave nosmap nosmep clearcpuid=%s nopv io_delay=none",
		 pvm_clearcpuid_bits());
	is_str(out, want, "PVM quirks, in order, after the console");

	build("root=/dev/vda", CONSOLE_VIRTIO, true);
	snprintf(want, sizeof(want),
		 "console=hvc0 noxsave nosmap nosmep clearcpuid=%s nopv io_delay=none root=/dev/vda",
		 pvm_clearcpuid_bits());
	is_str(out, want, "PVM quirks with virtio console, user params last");

	linux_cmdline_build(out, sizeof(out), NULL, CONSOLE_SERIAL, true, 2596136);
	snprintf(want, sizeof(want),
		 "console=ttyS0 noxsave nosmap nosmep clearcpuid=%s nopv io_delay=none "
		 "tsc_early_khz=2596136 tsc=reliable", pvm_clearcpuid_bits());
	is_str(out, want, "PVM quirks with the host's TSC frequency");

	linux_cmdline_build(out, sizeof(out), "tsc=unstable", CONSOLE_SERIAL, true, 2596136);
	ok(strstr(out, "tsc_early_khz=2596136") && count_words(out, "tsc") == 1,
	   "user tsc= replaces tsc=reliable, tsc_early_khz stays");

	linux_cmdline_build(out, sizeof(out), NULL, CONSOLE_SERIAL, false, 2596136);
	ok(!strstr(out, "tsc_early_khz"), "no TSC quirk without PVM quirks");

	build("root=/dev/vda", CONSOLE_SERIAL, false);
	ok(!strstr(out, "noxsave") && !strstr(out, "clearcpuid") && !strstr(out, "nosmap") &&
	   !strstr(out, "nosmep") && !strstr(out, "io_delay"), "no quirks unless asked");
}

static void test_quirk_override(void)
{
	static const struct {
		const char *user;
		const char *key;
	} c[] = {
		{ "clearcpuid=1", "clearcpuid" },
		{ "noxsave", "noxsave" },
		{ "nosmap", "nosmap" },
		{ "nosmep", "nosmep" },
		{ "nopv", "nopv" },
		{ "io_delay=0x80", "io_delay" },
		{ "console=ttyS1", "console" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		char want_tail[64];
		size_t len, tl;
		int n = build(c[i].user, CONSOLE_SERIAL, true);

		snprintf(want_tail, sizeof(want_tail), " %s", c[i].user);
		len = strlen(out);
		tl = strlen(want_tail);
		ok(n == (int)len && len > tl && !strcmp(out + len - tl, want_tail),
		   "user '%s' comes last", c[i].user);
		is_int(count_words(out, c[i].key), 1, c[i].user);
		/* The other quirks stay. */
		ok((!strcmp(c[i].key, "noxsave") || count_words(out, "noxsave") == 1) &&
		   (!strcmp(c[i].key, "clearcpuid") || count_words(out, "clearcpuid") == 1) &&
		   (!strcmp(c[i].key, "io_delay") || count_words(out, "io_delay") == 1) &&
		   (!strcmp(c[i].key, "console") || count_words(out, "console") == 1),
		   "user '%s': the other defaults stay", c[i].user);
	}

	build("clearcpuid=1", CONSOLE_SERIAL, true);
	ok(!strstr(out, pvm_clearcpuid_bits()), "user clearcpuid=1: no lkvm clearcpuid list");
	build("noxsaves", CONSOLE_SERIAL, true);
	is_int(count_words(out, "noxsave"), 1, "user noxsaves does not suppress noxsave");
}

/* Every size below the needed one fails, the needed one fits, nothing is
 * written past @size. */
static void test_boundary(const char *user, enum console_type con, bool quirks,
			  const char *what)
{
	char full[4096], *buf;
	int need = linux_cmdline_build(full, sizeof(full), user, con, quirks, 2596136);
	bool all_fail = true, no_overrun = true;

	if (!ok(need > 0, "%s: builds (%d bytes)", what, need))
		return;
	buf = malloc(need + 1 + 16);
	for (int size = 0; size <= need; size++) {
		memset(buf, 0x5a, need + 1 + 16);
		if (linux_cmdline_build(buf, size, user, con, quirks, 2596136) != -1)
			all_fail = false;
		for (int i = size; i < need + 1 + 16; i++)
			if (buf[i] != 0x5a)
				no_overrun = false;
	}
	ok(all_fail, "%s: every size up to strlen returns -1", what);
	ok(no_overrun, "%s: nothing written past size on overflow", what);
	memset(buf, 0x5a, need + 1 + 16);
	is_int(linux_cmdline_build(buf, need + 1, user, con, quirks, 2596136), need,
	       "size strlen+1 fits exactly");
	is_str(buf, full, "and gives the same line");
	ok(buf[need + 1] == 0x5a, "%s: no byte written past size when it fits", what);
	free(buf);
}

static void test_clearcpuid_list(void)
{
	const char *s = pvm_clearcpuid_bits();
	char *copy = strdup(s), *tok, *save = NULL;
	bool numbers = true, in_range = true, ascending = true;
	int count = 0;
	long prev = -1;

	ok(strlen(s) < LINUX_CLEARCPUID_BUF,
	   "clearcpuid list is %zu chars, < Linux 6.1's %d-byte buffer", strlen(s),
	   LINUX_CLEARCPUID_BUF);
	ok(strspn(s, "0123456789,") == strlen(s) && s[0] != ',' && s[strlen(s) - 1] != ',' &&
	   !strstr(s, ",,"), "clearcpuid list is comma-separated numbers");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		long v = strtol(tok, &end, 10);

		if (*end || end == tok)
			numbers = false;
		if (v < 0 || v >= LINUX_NCAPINTS * 32)
			in_range = false;
		if (v <= prev)
			ascending = false;
		prev = v;
		count++;
	}
	ok(numbers && count > 0, "clearcpuid: %d numbers", count);
	ok(in_range, "clearcpuid: every bit < %d (NCAPINTS %d * 32)", LINUX_NCAPINTS * 32,
	   LINUX_NCAPINTS);
	ok(ascending, "clearcpuid: no duplicates (strictly ascending)");
	/* The two the host's emulator is known to fail on (DESIGN.md section 4). */
	ok(strstr(s, "141") && strstr(s, "151"), "clearcpuid: has CX16 (141) and POPCNT (151)");
	ok(pvm_clearcpuid_bits() == s, "clearcpuid: same buffer on every call");
	free(copy);
}

/* Parameters devices add (virtio-mmio): after lkvm's, before the user's,
 * never dropped for a user key of the same name. */
static void test_devices(void)
{
	const char *dev = "virtio_mmio.device=4K@0xfeb00000:5 virtio_mmio.device=4K@0xfeb01000:6";
	char small[64];
	int n;

	n = linux_cmdline_build_devices(out, sizeof(out), "root=/dev/vda", CONSOLE_VIRTIO,
					false, 0, dev);
	is_str(out, "console=hvc0 virtio_mmio.device=4K@0xfeb00000:5 "
	       "virtio_mmio.device=4K@0xfeb01000:6 root=/dev/vda",
	       "device words between lkvm's defaults and -p");
	is_int(n, (int)strlen(out), "length returned");
	linux_cmdline_build_devices(out, sizeof(out), "virtio_mmio.device=1K@0x1000:9",
				    CONSOLE_SERIAL, false, 0, dev);
	is_int(count_words(out, "virtio_mmio.device"), 3,
	       "a user's virtio_mmio.device= adds to lkvm's, it does not replace them");
	linux_cmdline_build_devices(out, sizeof(out), NULL, CONSOLE_SERIAL, false, 0, "");
	is_str(out, "console=ttyS0", "empty device list adds nothing");
	is_int(linux_cmdline_build_devices(small, sizeof(small), NULL, CONSOLE_SERIAL, false,
					   0, dev), -1, "device words that do not fit: -1");
	linux_cmdline_build_devices(out, sizeof(out), NULL, CONSOLE_SERIAL, false, 0, NULL);
	is_str(out, "console=ttyS0", "NULL device list");
}

int main(void)
{
	char big[3000];

	test_has_key();
	test_defaults();
	test_quirk_override();
	test_boundary(NULL, CONSOLE_SERIAL, false, "default only");
	test_boundary("root=/dev/vda rw", CONSOLE_SERIAL, false, "default + user");
	test_boundary("console=hvc0", CONSOLE_SERIAL, false, "user only");
	test_boundary(NULL, CONSOLE_VIRTIO, true, "quirks");
	test_boundary("root=/dev/vda foo=\"a b\"", CONSOLE_SERIAL, true, "quirks + user");
	test_clearcpuid_list();
	test_devices();

	/* A long user line: 2047 bytes total fits Linux's cmdline_size 2047. */
	memset(big, 'a', sizeof(big));
	big[2047 - strlen("console=ttyS0 ")] = 0;
	is_int(linux_cmdline_build(out, 2048, big, CONSOLE_SERIAL, false, 0), 2047,
	       "2047-byte line fits in 2048");
	big[2047 - strlen("console=ttyS0 ")] = 'a';
	big[2048 - strlen("console=ttyS0 ")] = 0;
	is_int(linux_cmdline_build(out, 2048, big, CONSOLE_SERIAL, false, 0), -1,
	       "2048-byte line does not");
	return done_testing();
}
