// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing of lkvm run's -d PATH[,ro][,direct][,cow[=OVERLAY]][,serial=ID]
 * (Documentation/lkvm-run.txt). A path containing a comma cannot be given.
 */
#include <stdlib.h>
#include <string.h>

#include "disk/disk.h"
#include "util/log.h"

int disk_opts_parse(const char *arg, struct disk_opts *o)
{
	char *copy, *tok, *save = NULL;

	memset(o, 0, sizeof(*o));
	if (!arg || !*arg || *arg == ',') {
		pr_err("-d: give an image path (PATH[,ro][,direct][,cow[=OVERLAY]][,serial=ID])");
		return -1;
	}
	copy = o->buf = xstrdup(arg);
	o->path = strtok_r(copy, ",", &save);
	while ((tok = strtok_r(NULL, ",", &save))) {
		if (!strcmp(tok, "ro")) {
			o->ro = true;
		} else if (!strcmp(tok, "direct")) {
			o->direct = true;
		} else if (!strcmp(tok, "cow")) {
			o->cow = true;
		} else if (!strncmp(tok, "cow=", 4)) {
			o->cow = true;
			o->overlay = tok + 4;
			if (!*o->overlay) {
				pr_err("-d %s: cow= needs an overlay file name", arg);
				goto fail;
			}
		} else if (!strncmp(tok, "serial=", 7)) {
			o->serial = tok + 7;
			if (strlen(o->serial) > DISK_SERIAL_MAX) {
				pr_err("-d %s: serial '%s' is longer than %d bytes", arg, o->serial,
				       DISK_SERIAL_MAX);
				goto fail;
			}
		} else {
			pr_err("-d %s: unknown flag '%s' (expected ro, direct, cow[=OVERLAY] or serial=ID)",
			       arg, tok);
			goto fail;
		}
	}
	if (o->ro && o->cow) {
		pr_err("-d %s: ro and cow exclude each other (cow already keeps the image untouched)", arg);
		goto fail;
	}
	return 0;
fail:
	disk_opts_free(o);
	return -1;
}

void disk_opts_free(struct disk_opts *o)
{
	free(o->buf);
	memset(o, 0, sizeof(*o));
}
