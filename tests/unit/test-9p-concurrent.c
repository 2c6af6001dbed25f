// SPDX-License-Identifier: GPL-2.0
/*
 * The 9p server (virtio/9p-server.c and friends) answering from several
 * threads at once, as virtio-9p's workers call it: walks, opens, reads,
 * getattrs, readdirs and clunks racing on the same few fids, and renames
 * racing with walks of the renamed files. Every reply must be whole and
 * of the right kind, and at the end the fid table and the descriptors
 * are what they were. Build it with -fsanitize=thread to look for races.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/tap.h"
#include "tests/unit/put-file.h"
#include "util/log.h"
#include "virtio/9p-server.h"

#define THREADS		6
#define ROUNDS		3000
#define FIDS		8	/* shared fids 1..FIDS */

static char root[256];
static struct p9_server srv;

/* One thread's request and reply buffers. */
struct conn {
	u8 t[8192], r[8192];
	struct p9_buf b;
	u32 rlen;
	unsigned int seed;
	int bad;		/* replies that were not whole or not expected */
	int answered;		/* replies other than Rlerror */
};

static void beg(struct conn *c, u8 type, u16 tag)
{
	p9_buf_init(&c->b, c->t, sizeof(c->t));
	p9_reply_begin(&c->b, type, tag);
}

/* Send the message built in @c; returns the reply type, and counts a
 * reply that is not @want or Rlerror, has another tag or a wrong size. */
static u8 send_msg(struct conn *c, u8 want)
{
	u32 len = p9_reply_end(&c->b);
	struct iovec out = { c->t, len }, in = { c->r, sizeof(c->r) };
	int n = p9_server_handle(&srv, &out, 1, len, &in, 1, sizeof(c->r));
	u32 size = c->r[0] | c->r[1] << 8 | c->r[2] << 16 | (u32)c->r[3] << 24;

	if (n < P9_HDR_BYTES || size != (u32)n || (c->r[4] != want && c->r[4] != P9_RLERROR) ||
	    memcmp(c->r + 5, c->t + 5, 2)) {
		c->bad++;
		return 0;
	}
	c->rlen = (u32)n;
	if (c->r[4] != P9_RLERROR)
		c->answered++;
	return c->r[4];
}

static void str(struct conn *c, const char *s)
{
	p9_put_str(&c->b, s, strlen(s));
}

static void *racer(void *arg)
{
	struct conn *c = arg;
	static const char *const names[] = { "file", "dir", "a", "b", "." };

	for (int i = 0; i < ROUNDS; i++) {
		u32 fid = 1 + rand_r(&c->seed) % FIDS, other = 1 + rand_r(&c->seed) % FIDS;
		u16 tag = (u16)(i & 0x7fff);
		int op = rand_r(&c->seed) % 9;

		switch (op) {
		case 0:	/* walk from the root to a shared fid */
		case 1:
			beg(c, P9_TWALK, tag);
			p9_put_u32(&c->b, 0);
			p9_put_u32(&c->b, fid);
			p9_put_u16(&c->b, 1);
			str(c, names[rand_r(&c->seed) % 5]);
			send_msg(c, P9_RWALK);
			break;
		case 2:	/* a clone, or a walk of a fid onto itself */
			beg(c, P9_TWALK, tag);
			p9_put_u32(&c->b, fid);
			p9_put_u32(&c->b, rand_r(&c->seed) % 2 ? fid : other);
			p9_put_u16(&c->b, 0);
			send_msg(c, P9_RWALK);
			break;
		case 3:
			beg(c, P9_TCLUNK, tag);
			p9_put_u32(&c->b, fid);
			send_msg(c, P9_RCLUNK);
			break;
		case 4:	/* getattr or open: fid[4] and a mask or flags */
		case 5: {
			bool get = op == 4;

			beg(c, get ? P9_TGETATTR : P9_TLOPEN, tag);
			p9_put_u32(&c->b, fid);
			if (get)
				p9_put_u64(&c->b, P9_GETATTR_BASIC);
			else
				p9_put_u32(&c->b, O_RDONLY);
			send_msg(c, get ? P9_RGETATTR : P9_RLOPEN);
			break;
		}
		case 6:	/* read or readdir: fid[4] offset[8] count[4] */
		case 7: {
			u8 type = op == 6 ? P9_TREAD : P9_TREADDIR;

			beg(c, type, tag);
			p9_put_u32(&c->b, fid);
			p9_put_u64(&c->b, 0);
			p9_put_u32(&c->b, 2048);
			/* "file" has 14 bytes, the others none */
			if (send_msg(c, type + 1) == P9_RREAD && c->rlen != 11 + 14 && c->rlen != 11)
				c->bad++;
			break;
		}
		case 8: {	/* a becomes b (or back) while others walk to them */
			bool ab = rand_r(&c->seed) % 2;

			beg(c, P9_TRENAMEAT, tag);
			p9_put_u32(&c->b, 0);
			str(c, ab ? "a" : "b");
			p9_put_u32(&c->b, 0);
			str(c, ab ? "b" : "a");
			send_msg(c, P9_RRENAMEAT);
			break;
		}
		}
	}
	return NULL;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

int main(void)
{
	static struct conn conns[THREADS];
	pthread_t th[THREADS];
	struct conn *c = &conns[0];
	int fds, bad = 0, answered = 0;
	char cmd[300];

	log_level = LOG_ERROR;
	snprintf(root, sizeof(root), "%s/lkvm-9p-conc.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(root)) {
		printf("1..0 # SKIP cannot make a temporary directory\n");
		return 0;
	}
	put_file(root, "file", "hello, threads");
	put_file(root, "a", "");
	snprintf(cmd, sizeof(cmd), "%s/dir", root);
	mkdir(cmd, 0755);

	is_int(p9_server_init(&srv, root, false), 0, "a server");
	beg(c, P9_TVERSION, P9_NOTAG);
	p9_put_u32(&c->b, 8192);
	str(c, P9_VERSION_L);
	is_int(send_msg(c, P9_RVERSION), P9_RVERSION, "Tversion");
	beg(c, P9_TATTACH, 1);
	p9_put_u32(&c->b, 0);
	p9_put_u32(&c->b, P9_NOFID);
	str(c, "u");
	str(c, "");
	p9_put_u32(&c->b, 0);
	is_int(send_msg(c, P9_RATTACH), P9_RATTACH, "Tattach");
	fds = count_fds();

	for (int i = 0; i < THREADS; i++) {
		conns[i].seed = 12345u + 77u * i;
		pthread_create(&th[i], NULL, racer, &conns[i]);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		bad += conns[i].bad;
		answered += conns[i].answered;
	}
	ok(bad == 0, "%d threads x %d racing requests on %d fids: every reply whole, of its "
	   "request's kind and tag (%d not)", THREADS, ROUNDS, FIDS, bad);
	ok(answered > THREADS * ROUNDS / 4, "... and many answered, not refused (%d)", answered);

	for (u32 fid = 1; fid <= FIDS; fid++) {
		beg(c, P9_TCLUNK, 2);
		p9_put_u32(&c->b, fid);
		send_msg(c, P9_RCLUNK);
	}
	is_int(srv.fids.count, 1, "after clunking the shared fids only the root is left");
	is_int(count_fds(), fds, "no descriptor leaked");
	snprintf(cmd, sizeof(cmd), "%s/a", root);
	ok(access(cmd, F_OK) == 0 || (snprintf(cmd, sizeof(cmd), "%s/b", root), access(cmd, F_OK) == 0),
	   "the renamed file is still there, as a or b");

	p9_server_exit(&srv);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		diag("cannot remove %s", root);
	return done_testing();
}
