// SPDX-License-Identifier: GPL-2.0
/*
 * disk/opts.c: -d PATH[,ro][,direct][,cow[=OVERLAY]][,serial=ID] parsing,
 * good and bad, and disk_check_path() for missing files and directories.
 */
#include <string.h>

#include "disk/disk.h"
#include "tests/tap.h"
#include "util/log.h"

int main(void)
{
	struct disk_opts o;

	log_level = LOG_ERROR;
	ok(disk_opts_parse("disk.img", &o) == 0 && !strcmp(o.path, "disk.img") && !o.ro &&
	   !o.direct && !o.cow && !o.overlay && !o.serial, "a bare path");
	ok(disk_opts_parse("/a/b.img,ro", &o) == 0 && o.ro && !strcmp(o.path, "/a/b.img"), "ro");
	ok(disk_opts_parse("x,direct,serial=abc", &o) == 0 && o.direct && !strcmp(o.serial, "abc"),
	   "direct and serial");
	ok(disk_opts_parse("x,cow", &o) == 0 && o.cow && !o.overlay, "cow: anonymous overlay");
	ok(disk_opts_parse("x,cow=/tmp/o.cow,serial=12345678901234567890", &o) == 0 && o.cow &&
	   !strcmp(o.overlay, "/tmp/o.cow") && strlen(o.serial) == 20, "cow=OVERLAY, 20-byte serial");
	ok(disk_opts_parse("x,serial=123456789012345678901", &o) < 0, "a 21-byte serial is refused");
	ok(disk_opts_parse("x,cow=", &o) < 0, "cow= without a name is refused");
	ok(disk_opts_parse("x,ro,cow", &o) < 0, "ro with cow is refused");
	ok(disk_opts_parse("x,rw", &o) < 0, "an unknown flag is refused");
	ok(disk_opts_parse("", &o) < 0 && disk_opts_parse(",ro", &o) < 0 && disk_opts_parse(NULL, &o) < 0,
	   "no path is refused");
	ok(disk_opts_parse("x,,ro", &o) == 0 && o.ro, "empty flags are skipped");
	ok(disk_check_path("/nonexistent/disk.img") < 0, "a missing image is refused");
	ok(disk_check_path("/tmp") < 0, "a directory is refused");
	ok(disk_check_path("/dev/null") < 0, "a character device is refused");
	ok(disk_check_path("/etc/hostname") == 0 || disk_check_path("/etc/passwd") == 0,
	   "a regular file is accepted");
	return done_testing();
}
