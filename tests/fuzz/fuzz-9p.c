// SPDX-License-Identifier: GPL-2.0
/*
 * 9P2000.L requests (virtio/9p-proto.c p9_decode and the server behind
 * virtio-9p, virtio/9p-server.c and friends) against a small tree in a
 * temporary directory, rebuilt for every input.
 *
 * Input: u8 mode, then
 *  - mode bit 0 set: one PDU, the rest of the input, given to p9_decode
 *    at the very end of its own allocation (any read past it is caught);
 *  - else a session: after a Tversion and a Tattach of fid 0 made here,
 *    messages, each u16 length L, u8 split (the readable part cut into
 *    1 + split % 3 buffers), u16 writable bytes W, then L bytes (zeros
 *    past the end); mode bit 1 makes the share read-only.
 * Checked: no sanitizer report; every reply fits the writable part, its
 * size field equals the length returned, and its type is the request's
 * R-type or Rlerror; a read-only share is never changed.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/fuzz/fuzz.h"
#include "virtio/9p-server.h"

#define MAX_MSG		8192
#define MAX_IN		16384

static char base[64], root[96];
static struct p9_server srv;

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	if (ftw->level > 0)
		remove(p);
	return 0;
}

/* Directories the guest made unreadable become removable again. */
static int open_up(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	if (flag == FTW_D || flag == FTW_DNR)
		chmod(p, 0700);
	return 0;
}

static void write_file(const char *name, const char *text)
{
	char p[160];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", root, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		abort();
	if (write(fd, text, strlen(text)) < 0)
		abort();
	close(fd);
}

/* A fresh share: root/{file, dir/inner, link -> file, out -> ../outside};
 * the root itself stays (the server holds it open). */
static void make_tree(void)
{
	char p[160];

	chmod(root, 0755);
	nftw(root, open_up, 16, FTW_PHYS);
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (mkdir(root, 0755) < 0 && errno != EEXIST)
		abort();
	chmod(root, 0755);
	write_file("file", "hello 9p fuzz\n");
	snprintf(p, sizeof(p), "%s/dir", root);
	mkdir(p, 0755);
	write_file("dir/inner", "inner\n");
	snprintf(p, sizeof(p), "%s/link", root);
	if (symlink("file", p) < 0)
		abort();
	snprintf(p, sizeof(p), "%s/out", root);
	if (symlink("../outside", p) < 0)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char p[160];

	log_level = LOG_ERROR;
	snprintf(base, sizeof(base), "/tmp/lkvm-fuzz-9p.XXXXXX");
	if (!mkdtemp(base))
		abort();
	snprintf(root, sizeof(root), "%s/share", base);
	snprintf(p, sizeof(p), "%s/outside", base);
	close(open(p, O_WRONLY | O_CREAT, 0600));
	make_tree();
	if (p9_server_init(&srv, root, false) < 0)	/* one server: reset per input */
		abort();
	return 0;
}

/* Send @len bytes of @msg split into 1-3 readable buffers, @in_len
 * writable bytes; check the reply. */
static void send_one(const u8 *msg, u32 len, u8 split, u32 in_len)
{
	struct iovec out[3], in[2];
	int nout = 1 + split % 3, n;
	u8 *parts[3] = { 0 }, *ib;
	u32 cut[4] = { 0, 0, 0, len };

	for (int i = 1; i < nout; i++)
		cut[i] = len * i / nout;
	cut[nout] = len;
	for (int i = 0; i < nout; i++) {
		u32 l = cut[i + 1] - cut[i];

		parts[i] = malloc(l ? l : 1);
		memcpy(parts[i], msg + cut[i], l);
		out[i].iov_base = parts[i];
		out[i].iov_len = l;
	}
	ib = malloc(in_len ? in_len : 1);
	in[0].iov_base = ib;
	in[0].iov_len = in_len / 2;
	in[1].iov_base = ib + in_len / 2;
	in[1].iov_len = in_len - in_len / 2;
	n = p9_server_handle(&srv, out, nout, len, in, 2, in_len);
	if (n >= 0) {
		u32 size = ib[0] | ib[1] << 8 | ib[2] << 16 | (u32)ib[3] << 24;

		if (n < P9_HDR_BYTES || (u32)n > in_len || size != (u32)n)
			abort();
		if (ib[4] != P9_RLERROR && (len < 5 || ib[4] != msg[4] + 1))
			abort();
	} else if (len >= P9_HDR_BYTES && in_len >= P9_RLERROR_BYTES) {
		abort();	/* a chain that can carry an answer gets one */
	}
	for (int i = 0; i < nout; i++)
		free(parts[i]);
	free(ib);
}

static void start_session(void)
{
	u8 m[64];
	struct p9_buf b;

	p9_buf_init(&b, m, sizeof(m));
	p9_reply_begin(&b, P9_TVERSION, P9_NOTAG);
	p9_put_u32(&b, MAX_IN);
	p9_put_str(&b, "9P2000.L", 8);
	send_one(m, p9_reply_end(&b), 0, 64);
	p9_reply_begin(&b, P9_TATTACH, 1);
	p9_put_u32(&b, 0);
	p9_put_u32(&b, P9_NOFID);
	p9_put_str(&b, "fuzz", 4);
	p9_put_str(&b, "", 0);
	p9_put_u32(&b, 0);
	send_one(m, p9_reply_end(&b), 0, 64);
}

static u64 tree_sum;

static int sum_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	u64 v[5] = { st->st_ino, (u64)st->st_size, st->st_mode, (u64)st->st_mtim.tv_sec,
		     (u64)st->st_mtim.tv_nsec };

	for (const char *c = p; *c; c++)
		tree_sum = tree_sum * 31 + (u8)*c;
	for (int i = 0; i < 5; i++)
		tree_sum = tree_sum * 1000003 + v[i];
	return 0;
}

/* A digest of the share: names, inodes, sizes, modes, mtimes. */
static u64 dir_sum(void)
{
	tree_sum = 0;
	nftw(root, sum_one, 16, FTW_PHYS);
	return tree_sum;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fz f = { data, size };
	u8 mode = fz_u8(&f);
	bool ro = mode & 2;
	u64 before = 0, after;

	if (mode & 1) {
		u8 *pdu = malloc(f.n ? f.n : 1);
		char *arena = malloc(f.n ? f.n : 1);
		struct p9_msg m;

		memcpy(pdu, f.p, f.n);
		if (p9_decode(pdu, (u32)MIN(f.n, (size_t)UINT32_MAX), &m, arena) == 0 &&
		    m.type != P9_TWRITE && m.size != f.n)
			abort();
		free(pdu);
		free(arena);
		return 0;
	}
	make_tree();
	p9_server_reset(&srv);
	srv.ro = ro;
	if (ro)
		before = dir_sum();
	start_session();
	for (int i = 0; i < 64 && f.n; i++) {
		u16 len = fz_u16(&f) % MAX_MSG;
		u8 split = fz_u8(&f);
		u16 in_len = fz_u16(&f) % MAX_IN;
		u8 msg[MAX_MSG] = { 0 };
		size_t got;
		const u8 *src = fz_take(&f, len, &got);

		memcpy(msg, src, got);
		send_one(msg, len, split, in_len);
	}
	p9_server_reset(&srv);	/* every fid (and descriptor) released */
	if (ro) {
		after = dir_sum();
		if (after != before)
			abort();	/* a read-only share changed */
	}
	return 0;
}
