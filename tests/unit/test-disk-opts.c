// SPDX-License-Identifier: GPL-2.0
/*
 * disk/opts.c: -d PATH[,ro][,direct][,cow[=OVERLAY]][,serial=ID] parsing,
 * good and bad, and disk_check_path() for missing files and directories.
 * A refused argument keeps nothing allocated, and disk_opts_free releases an accepted one.
 */
#include <fcntl.h>
#include <malloc.h>
#include <string.h>
#include <unistd.h>

#include "disk/disk.h"
#include "tests/tap.h"
#include "util/log.h"

/*
 * Parse @arg 1000 times, expecting refusals that leave no memory behind:
 * a kept copy would add at least 1000 x its size to mallinfo2's bytes in
 * use (freed chunks parked in glibc's cache still count as in use, so a
 * single parse cannot tell). The error lines go to /dev/null but one.
 */
static int refused_clean(const char *arg)
{
	struct disk_opts o;
	size_t before, grew;
	int fails = 0, err = dup(2), null = open("/dev/null", O_WRONLY);

	fails += disk_opts_parse(arg, &o) < 0 && !o.buf && !o.path;
	fflush(stderr);
	dup2(null, 2);
	before = mallinfo2().uordblks;
	for (int i = 0; i < 1000; i++)
		fails += disk_opts_parse(arg, &o) < 0 && !o.buf && !o.path;
	grew = mallinfo2().uordblks - before;
	fflush(stderr);
	dup2(err, 2);
	close(err);
	close(null);
	if (grew >= 1000)
		diag("  '%s' kept %zu bytes over 1000 refusals", arg ? arg : "(null)", grew);
	return fails == 1001 && grew < 1000;
}

int main(void)
{
	struct disk_opts o;

	log_level = LOG_ERROR;
	ok(disk_opts_parse("disk.img", &o) == 0 && !strcmp(o.path, "disk.img") && !o.ro &&
	   !o.direct && !o.cow && !o.overlay && !o.serial, "a bare path");
	disk_opts_free(&o);
	ok(!o.buf && !o.path, "disk_opts_free releases and clears");
	ok(disk_opts_parse("/a/b.img,ro", &o) == 0 && o.ro && !strcmp(o.path, "/a/b.img"), "ro");
	disk_opts_free(&o);
	ok(disk_opts_parse("x,direct,serial=abc", &o) == 0 && o.direct && !strcmp(o.serial, "abc"),
	   "direct and serial");
	disk_opts_free(&o);
	ok(disk_opts_parse("x,cow", &o) == 0 && o.cow && !o.overlay, "cow: anonymous overlay");
	disk_opts_free(&o);
	ok(disk_opts_parse("x,cow=/tmp/o.cow,serial=12345678901234567890", &o) == 0 && o.cow &&
	   !strcmp(o.overlay, "/tmp/o.cow") && strlen(o.serial) == 20, "cow=OVERLAY, 20-byte serial");
	disk_opts_free(&o);
	ok(refused_clean("x,serial=123456789012345678901"), "a 21-byte serial is refused");
	ok(refused_clean("x,cow="), "cow= without a name is refused");
	ok(refused_clean("x,ro,cow"), "ro with cow is refused");
	ok(refused_clean("x,rw"), "an unknown flag is refused");
	ok(refused_clean("") && refused_clean(",ro") && refused_clean(NULL), "no path is refused");
	ok(disk_opts_parse("x,,ro", &o) == 0 && o.ro, "empty flags are skipped");
	disk_opts_free(&o);
	ok(disk_check_path("/nonexistent/disk.img") < 0, "a missing image is refused");
	ok(disk_check_path("/tmp") < 0, "a directory is refused");
	ok(disk_check_path("/dev/null") < 0, "a character device is refused");
	ok(disk_check_path("/etc/hostname") == 0 || disk_check_path("/etc/passwd") == 0,
	   "a regular file is accepted");
	return done_testing();
}
