// SPDX-License-Identifier: GPL-2.0
/*
 * The cpio "newc" writer (util/cpio.c): headers field by field, name and
 * data padding, device nodes, the trailer and the 512-byte end, errors;
 * and, where cpio(1) is installed, that GNU cpio lists what we wrote.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/tap.h"
#include "util/cpio.h"

/* One entry read back from an archive. */
struct ent {
	u32 field[13];
	char name[256];
	const u8 *data;
};

static u32 hex8(const u8 *p)
{
	char s[9];

	memcpy(s, p, 8);
	s[8] = 0;
	return (u32)strtoul(s, NULL, 16);
}

/* Read the entry at *@off of @buf (@len bytes); advance *@off. 0 or -1. */
static int next(const u8 *buf, size_t len, size_t *off, struct ent *e)
{
	size_t o = *off, nsz, fsz;

	if (o + CPIO_HDR_SIZE > len || memcmp(buf + o, CPIO_NEWC_MAGIC, 6))
		return -1;
	for (int i = 0; i < 13; i++)
		e->field[i] = hex8(buf + o + 6 + 8 * i);
	nsz = e->field[11];
	fsz = e->field[6];
	if (nsz == 0 || nsz > sizeof(e->name) || o + CPIO_HDR_SIZE + nsz > len)
		return -1;
	memcpy(e->name, buf + o + CPIO_HDR_SIZE, nsz);
	if (e->name[nsz - 1])
		return -1;
	o = ALIGN_UP(o + CPIO_HDR_SIZE + nsz, 4);
	e->data = buf + o;
	if (o + fsz > len)
		return -1;
	*off = ALIGN_UP(o + fsz, 4);
	return 0;
}

static u8 *slurp(int fd, size_t *len)
{
	off_t end = lseek(fd, 0, SEEK_END);
	u8 *buf = malloc((size_t)end + 1);

	if (pread(fd, buf, (size_t)end, 0) != end)
		abort();
	*len = (size_t)end;
	return buf;
}

int main(void)
{
	char path[] = "/tmp/lkvm-test-cpio.XXXXXX";
	int fd = mkstemp(path);
	struct cpio c;
	struct ent e;
	size_t len, off = 0;
	u8 *buf;
	bool aligned = true;

	char host[] = "/tmp/lkvm-test-cpio-host.XXXXXX";
	int hfd = mkstemp(host);

	if (fd < 0 || hfd < 0 || write(hfd, "host file\n", 10) != 10)
		return 1;
	close(hfd);
	cpio_init(&c, fd);
	is_int(cpio_add_dir(&c, "dev", 0755), 0, "a directory");
	is_int(cpio_add_chardev(&c, "dev/console", 0600, 5, 1), 0, "a character device");
	is_int(cpio_add_file(&c, "init", 0755, "#!/bin/sh\n", 10), 0, "a 10-byte file");
	is_int(cpio_add_file(&c, "empty", 0644, NULL, 0), 0, "an empty file");
	is_int(cpio_add_path(&c, "self", 0600, host), 0,
	       "a file read from the host");
	errno = 0;
	is_int(cpio_add_file(&c, "/abs", 0644, "x", 1), -1, "an absolute name is refused");
	is_int(errno, EINVAL, "... with EINVAL");
	is_int(cpio_add_file(&c, "", 0644, "x", 1), -1, "an empty name is refused");
	is_int(cpio_add_path(&c, "missing", 0644, "/nonexistent/lkvm"), -1,
	       "a missing host file fails");
	is_int(errno, ENOENT, "... with ENOENT");
	is_int(cpio_finish(&c), 0, "the trailer");
	ok(c.off % 512 == 0, "the archive ends on a 512-byte boundary (%llu bytes)",
	   (unsigned long long)c.off);

	buf = slurp(fd, &len);
	is_int(len, c.off, "every byte counted is in the file");
	ok(next(buf, len, &off, &e) == 0 && !strcmp(e.name, "dev"), "entry 1 is dev");
	is_int(e.field[1], S_IFDIR | 0755, "dev: mode is a directory, 0755");
	is_int(e.field[0], 1, "dev: inode 1");
	is_int(e.field[4], 2, "dev: two links, as a directory");
	is_int(e.field[2] | e.field[3], 0, "dev: owned by root");
	ok(next(buf, len, &off, &e) == 0 && !strcmp(e.name, "dev/console"), "entry 2 is dev/console");
	is_int(e.field[1], S_IFCHR | 0600, "console: a character device, 0600");
	ok(e.field[9] == 5 && e.field[10] == 1, "console: rdev 5:1");
	is_int(e.field[0], 2, "console: inode 2");
	ok(next(buf, len, &off, &e) == 0 && !strcmp(e.name, "init"), "entry 3 is init");
	aligned &= (size_t)(e.data - buf) % 4 == 0;
	ok(e.field[6] == 10 && !memcmp(e.data, "#!/bin/sh\n", 10), "init: its 10 bytes");
	is_int(e.field[1], S_IFREG | 0755, "init: a regular file, 0755");
	ok(next(buf, len, &off, &e) == 0 && !strcmp(e.name, "empty") && e.field[6] == 0,
	   "entry 4 is the empty file");
	ok(next(buf, len, &off, &e) == 0 && !strcmp(e.name, "self") && e.field[6] == 10 &&
	   !memcmp(e.data, "host file\n", 10), "entry 5 is the host file's 10 bytes");
	aligned &= (size_t)(e.data - buf) % 4 == 0;
	ok(next(buf, len, &off, &e) == 0 && !strcmp(e.name, CPIO_TRAILER) && e.field[6] == 0,
	   "then the trailer: the refused entries left nothing behind");
	ok(aligned, "file data starts on 4-byte boundaries");
	ok(off <= len && len - off < 512, "only padding follows the trailer");
	for (size_t i = off; i < len; i++)
		if (buf[i]) {
			ok(0, "the padding is zeros");
			goto padded;
		}
	ok(1, "the padding is zeros");
padded:
	free(buf);

	if (access("/usr/bin/cpio", X_OK) == 0) {
		char cmd[256];
		FILE *p;
		char line[256], names[256] = "";

		snprintf(cmd, sizeof(cmd), "/usr/bin/cpio --quiet -t < %s 2>&1", path);
		p = popen(cmd, "r");
		while (p && fgets(line, sizeof(line), p))
			strncat(names, line, sizeof(names) - strlen(names) - 1);
		ok(p && pclose(p) == 0 && !strcmp(names, "dev\ndev/console\ninit\nempty\nself\n"),
		   "GNU cpio lists the archive: %s", names);
	} else {
		skip("cpio(1) not installed");
	}

	/* A write error sticks: later calls fail, cpio_finish reports it. */
	cpio_init(&c, -1);
	is_int(cpio_add_dir(&c, "x", 0755), -1, "a write to a bad fd fails");
	is_int(cpio_finish(&c), -1, "... and cpio_finish reports it");
	is_int(errno, EBADF, "... with EBADF");

	close(fd);
	unlink(path);
	unlink(host);
	return done_testing();
}
