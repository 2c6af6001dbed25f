/* SPDX-License-Identifier: GPL-2.0 */
/*
 * put_file - for the 9p server tests: write @text to the file @rel
 * under the directory @dir (created or truncated, mode 0644); a failure
 * is a TAP diagnostic line, the test that reads the file then fails.
 */
#ifndef LKVM_TEST_PUT_FILE_H
#define LKVM_TEST_PUT_FILE_H

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tests/tap.h"

static inline void put_file(const char *dir, const char *rel, const char *text)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			diag("write %s failed", p);
		close(fd);
	}
}

#endif
