// SPDX-License-Identifier: GPL-2.0
/*
 * virtio/9p-path.c and the 9p server (virtio/9p-server.c and friends)
 * against a temporary tree, through the same entry point the device
 * uses (p9_server_handle on iovecs): path resolution beneath the root
 * (`..`, absolute and relative symlinks leaving it, /proc magic links),
 * a session's walk/open/read/write/readdir/create/rename/remove, errors
 * as Rlerror, a read-only share (EROFS), chains too short to answer, and
 * which open files p9_server_io_local finds safe to serve inline.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/tap.h"
#include "tests/unit/put-file.h"
#include "util/log.h"
#include "virtio/9p-path.h"
#include "virtio/9p-server.h"

static char root[256];
static struct p9_server srv;
static u8 tpdu[65536], rpdu[65536];
static struct p9_buf B;
static u32 rlen;

static void beg(u8 type)
{
	p9_buf_init(&B, tpdu, sizeof(tpdu));
	p9_reply_begin(&B, type, 0x4242);
}
static void s(const char *str) { p9_put_str(&B, str, strlen(str)); }

/* Send the message built in tpdu; returns the reply type (rpdu holds it). */
static u8 send_msg(void)
{
	u32 len = p9_reply_end(&B);
	struct iovec out = { tpdu, len }, in = { rpdu, sizeof(rpdu) };
	int n = p9_server_handle(&srv, &out, 1, len, &in, 1, sizeof(rpdu));

	rlen = n > 0 ? (u32)n : 0;
	return n > 0 ? rpdu[4] : 0;
}

/* The Rlerror code of the last reply, or 0 if it was not an Rlerror. */
static u32 lerror(void)
{
	return rpdu[4] == P9_RLERROR ? rpdu[7] | rpdu[8] << 8 : 0;
}

static u8 walk(u32 fid, u32 newfid, int n, const char *const *names)
{
	beg(P9_TWALK);
	p9_put_u32(&B, fid);
	p9_put_u32(&B, newfid);
	p9_put_u16(&B, n);
	for (int i = 0; i < n; i++)
		s(names[i]);
	return send_msg();
}
static u8 walk1(u32 fid, u32 newfid, const char *name) { return walk(fid, newfid, 1, &name); }

static u8 clunk(u32 fid)
{
	beg(P9_TCLUNK);
	p9_put_u32(&B, fid);
	return send_msg();
}

static u8 lopen(u32 fid, u32 flags)
{
	beg(P9_TLOPEN);
	p9_put_u32(&B, fid);
	p9_put_u32(&B, flags);
	return send_msg();
}

static u8 start(bool ro)
{
	p9_server_exit(&srv);
	if (p9_server_init(&srv, root, ro) < 0)
		return 0;
	beg(P9_TVERSION);
	p9_put_u32(&B, 65536);
	s("9P2000.L");
	if (send_msg() != P9_RVERSION)
		return 0;
	beg(P9_TATTACH);
	p9_put_u32(&B, 0);
	p9_put_u32(&B, P9_NOFID);
	s("user");
	s("");
	p9_put_u32(&B, 0);
	return send_msg();
}

static void put(const char *rel, const char *text)
{
	put_file(root, rel, text);
}

static int beneath(const char *path, bool nosym)
{
	int dfd = open(root, O_PATH | O_DIRECTORY), fd = p9_open_beneath(dfd, path, O_RDONLY, 0, nosym);

	if (fd >= 0)
		close(fd);
	close(dfd);
	return fd >= 0 ? 0 : fd;
}

int main(void)
{
	char p[512], secret[512];
	u32 n;

	log_level = LOG_ERROR;
	snprintf(root, sizeof(root), "%s/lkvm-9p-test.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(root)) {
		printf("1..0 # SKIP cannot make a temporary directory\n");
		return 0;
	}
	/* root/{share/{file,sub/inner,in-link->file,abs-link->SECRET,
	 * rel-link->../secret,dotdot-link->sub/../../secret,proc-link->/proc/self/root},secret} */
	snprintf(secret, sizeof(secret), "%s/secret", root);
	put("secret", "top secret\n");
	snprintf(p, sizeof(p), "%s/share", root);
	mkdir(p, 0755);
	strcat(root, "/share");
	put("file", "hello 9p\n");
	snprintf(p, sizeof(p), "%s/sub", root);
	mkdir(p, 0755);
	put("sub/inner", "inner\n");
	snprintf(p, sizeof(p), "%s/in-link", root);
	ok(!symlink("file", p), "setup: an inside symlink");
	snprintf(p, sizeof(p), "%s/abs-link", root);
	ok(!symlink(secret, p), "setup: an absolute symlink out");
	snprintf(p, sizeof(p), "%s/rel-link", root);
	ok(!symlink("../secret", p), "setup: a relative symlink out");
	snprintf(p, sizeof(p), "%s/dotdot-link", root);
	ok(!symlink("sub/../../secret", p), "setup: a symlink out through sub/..");
	snprintf(p, sizeof(p), "%s/proc-link", root);
	ok(!symlink("/proc/self/root/etc/passwd", p), "setup: a symlink to a /proc magic link");

	/* path resolution */
	is_int(beneath("file", false), 0, "p9_open_beneath: a file");
	is_int(beneath("sub/inner", false), 0, "... a file in a subdirectory");
	is_int(beneath("sub/../file", false), 0, "... `..` that stays inside");
	is_int(beneath("in-link", false), 0, "... an inside symlink");
	is_int(beneath("in-link", true), -ELOOP, "... which RESOLVE_NO_SYMLINKS refuses");
	is_int(beneath("../secret", false), -EXDEV, "... `../secret` fails with EXDEV");
	is_int(beneath("sub/../../secret", false), -EXDEV, "... `sub/../../secret` fails with EXDEV");
	is_int(beneath(secret, false), -EXDEV, "... an absolute path fails with EXDEV");
	is_int(beneath("abs-link", false), -EXDEV, "... an absolute symlink fails with EXDEV");
	is_int(beneath("rel-link", false), -EXDEV, "... a relative symlink out fails with EXDEV");
	is_int(beneath("dotdot-link", false), -EXDEV, "... a symlink out through sub/.. fails with EXDEV");
	ok(beneath("proc-link", false) < 0, "... a symlink to /proc/self/root fails (%d)",
	   beneath("proc-link", false));
	is_int(beneath("../../../../../../etc/shadow", false), -EXDEV, "... ../../etc/shadow fails with EXDEV");
	ok(p9_name_ok("a") == 0 && p9_name_ok("..") < 0 && p9_name_ok(".") < 0 &&
	   p9_name_ok("") < 0 && p9_name_ok("a/b") < 0, "p9_name_ok: one component only");

	/* a session */
	memset(&srv, 0, sizeof(srv));
	srv.root_fd = -1;
	is_int(start(false), P9_RATTACH, "Tversion + Tattach");
	beg(P9_TVERSION);
	p9_put_u32(&B, 8192);
	s("9P2000.u");
	ok(send_msg() == P9_RVERSION && !memcmp(rpdu + 13, "unknown", 7), "Tversion 9P2000.u: unknown");
	beg(P9_TATTACH);
	p9_put_u32(&B, 0);
	p9_put_u32(&B, P9_NOFID);
	s("u");
	s("");
	p9_put_u32(&B, 0);
	ok(send_msg() == P9_RLERROR && lerror() == EPROTO, "no request before a 9P2000.L Tversion");
	is_int(start(false), P9_RATTACH, "a new session");

	ok(walk1(0, 1, "file") == P9_RWALK && rpdu[7] == 1 && rpdu[9] == P9_QTFILE, "Twalk to file");
	ok(!p9_server_io_local(&srv, P9_TREAD, 1), "p9_server_io_local: not for an unopened fid");
	ok(lopen(1, O_RDONLY) == P9_RLOPEN, "Tlopen");
	ok(p9_server_io_local(&srv, P9_TREAD, 1) && p9_server_io_local(&srv, P9_TWRITE, 1) &&
	   !p9_server_io_local(&srv, P9_TFSYNC, 1) && !p9_server_io_local(&srv, P9_TREAD, 77),
	   "... a Tread or Twrite of an open regular file, not Tfsync or an unknown fid");
	snprintf(p, sizeof(p), "%s/fifo", root);
	ok(!mkfifo(p, 0644) && walk1(0, 3, "fifo") == P9_RWALK && lopen(3, O_RDONLY) == P9_RLOPEN &&
	   !p9_server_io_local(&srv, P9_TREAD, 3), "... not a Tread of a FIFO");
	ok(walk1(0, 4, "sub") == P9_RWALK && lopen(4, O_RDONLY | O_DIRECTORY) == P9_RLOPEN &&
	   p9_server_io_local(&srv, P9_TREADDIR, 4), "... a Treaddir of a directory");
	clunk(3);
	clunk(4);
	unlink(p);
	beg(P9_TREAD);
	p9_put_u32(&B, 1);
	p9_put_u64(&B, 0);
	p9_put_u32(&B, 100);
	ok(send_msg() == P9_RREAD && rpdu[7] == 9 && !memcmp(rpdu + 11, "hello 9p\n", 9) && rlen == 20,
	   "Tread returns the file");
	beg(P9_TREAD);
	p9_put_u32(&B, 1);
	p9_put_u64(&B, 1ULL << 63);
	p9_put_u32(&B, 100);
	ok(send_msg() == P9_RLERROR && lerror() == EINVAL, "Tread at offset 2^63: EINVAL");
	clunk(1);
	ok(clunk(1) == P9_RLERROR && lerror() == EBADF, "Tclunk of an unknown fid: EBADF");

	ok(walk1(0, 2, "..") == P9_RWALK, "Twalk `..` at the root stays there");
	clunk(2);
	{
		const char *names[] = { "sub", "..", "secret" };

		ok(walk(0, 3, 2, names) == P9_RWALK && rpdu[7] == 1,
		   "Twalk sub/.. stops after sub (one qid): `..` below the root does not resolve");
		ok(walk1(0, 3, "abs-link") == P9_RWALK, "Twalk to an escaping symlink gives the link itself");
		ok(lopen(3, O_RDONLY) == P9_RLERROR && lerror() == ELOOP, "... which cannot be opened (ELOOP)");
		beg(P9_TREADLINK);
		p9_put_u32(&B, 3);
		ok(send_msg() == P9_RREADLINK && !memcmp(rpdu + 9, secret, strlen(secret)),
		   "... Treadlink gives its target for the guest to resolve");
		clunk(3);
		const char *through[] = { "abs-link", "x" };

		ok(walk(0, 3, 2, through) == P9_RWALK && rpdu[7] == 1,
		   "Twalk never goes through a symlink");
	}
	ok(walk1(0, 4, "a/b") == P9_RLERROR && lerror() == EINVAL, "Twalk name with '/': EINVAL");
	ok(walk1(0, 4, "nonexistent") == P9_RLERROR && lerror() == ENOENT, "Twalk to nothing: ENOENT");
	ok(walk1(0, 0, "sub") == P9_RWALK && walk1(0, 0, "..") == P9_RLERROR && lerror() == EXDEV,
	   "a fid walked into sub cannot walk `..` (EXDEV)");
	clunk(0);
	is_int(start(false), P9_RATTACH, "a new session");

	/* create, write, read back on the host */
	walk(0, 5, 0, NULL);
	beg(P9_TLCREATE);
	p9_put_u32(&B, 5);
	s("new");
	p9_put_u32(&B, O_RDWR);
	p9_put_u32(&B, 0600);
	p9_put_u32(&B, 0);
	ok(send_msg() == P9_RLCREATE, "Tlcreate");
	beg(P9_TWRITE);
	p9_put_u32(&B, 5);
	p9_put_u64(&B, 0);
	p9_put_u32(&B, 6);
	p9_put_bytes(&B, "guest\n", 6);
	ok(send_msg() == P9_RWRITE && rpdu[7] == 6, "Twrite");
	{
		char buf[16] = { 0 };
		int fd;

		snprintf(p, sizeof(p), "%s/new", root);
		fd = open(p, O_RDONLY);
		ok(fd >= 0 && read(fd, buf, sizeof(buf)) == 6 && !strcmp(buf, "guest\n"),
		   "the host reads what the guest wrote");
		if (fd >= 0)
			close(fd);
	}
	beg(P9_TWRITE);
	p9_put_u32(&B, 5);
	p9_put_u64(&B, 0);
	p9_put_u32(&B, 60);	/* more than the message holds */
	p9_put_bytes(&B, "guest\n", 6);
	ok(send_msg() == P9_RLERROR && lerror() == EPROTO, "Twrite with count past the data: EPROTO");
	beg(P9_TSETATTR);
	p9_put_u32(&B, 5);
	p9_put_u32(&B, P9_SETATTR_SIZE | P9_SETATTR_MODE);
	p9_put_u32(&B, 0640);
	p9_put_u32(&B, 0);
	p9_put_u32(&B, 0);
	p9_put_u64(&B, 2);
	for (int i = 0; i < 4; i++)
		p9_put_u64(&B, 0);
	{
		struct stat st;

		ok(send_msg() == P9_RSETATTR && !stat(p, &st) && st.st_size == 2 &&
		   (st.st_mode & 0777) == 0640, "Tsetattr: truncate and chmod");
	}
	beg(P9_TGETATTR);
	p9_put_u32(&B, 5);
	p9_put_u64(&B, P9_GETATTR_BASIC);
	ok(send_msg() == P9_RGETATTR && rlen == 160 && rpdu[7 + 8 + 13 + 4 + 4 + 4 + 8 + 8] == 2,
	   "Tgetattr: 160 bytes, size 2");
	clunk(5);

	/* mkdir, readdir, rename, unlink */
	beg(P9_TMKDIR);
	p9_put_u32(&B, 0);
	s("dir");
	p9_put_u32(&B, 0755);
	p9_put_u32(&B, 0);
	ok(send_msg() == P9_RMKDIR && rpdu[7] == P9_QTDIR, "Tmkdir");
	for (int i = 0; i < 300; i++) {
		char name[32];

		snprintf(name, sizeof(name), "dir/entry-%03d", i);
		put(name, "");
	}
	walk1(0, 6, "dir");
	lopen(6, O_RDONLY | O_DIRECTORY);
	{
		u64 off = 0;
		int entries = 0, calls = 0;

		for (;;) {
			u32 cnt, pos = 11;

			beg(P9_TREADDIR);
			p9_put_u32(&B, 6);
			p9_put_u64(&B, off);
			p9_put_u32(&B, 2000);
			if (send_msg() != P9_RREADDIR)
				break;
			calls++;
			cnt = rpdu[7] | rpdu[8] << 8;
			if (!cnt)
				break;
			while (pos < 11 + cnt) {
				u16 l = rpdu[pos + 22] | rpdu[pos + 23] << 8;

				memcpy(&off, rpdu + pos + 13, 8);
				entries++;
				pos += 24 + l;
			}
		}
		is_int(entries, 302, "Treaddir: 300 entries plus . and ..");
		ok(calls > 2, "... in batches (%d requests)", calls);
	}
	clunk(6);
	beg(P9_TRENAMEAT);
	p9_put_u32(&B, 0);
	s("new");
	p9_put_u32(&B, 0);
	s("renamed");
	snprintf(p, sizeof(p), "%s/renamed", root);
	ok(send_msg() == P9_RRENAMEAT && !access(p, F_OK), "Trenameat");
	beg(P9_TRENAMEAT);
	p9_put_u32(&B, 0);
	s("renamed");
	p9_put_u32(&B, 0);
	s("../escaped");
	ok(send_msg() == P9_RLERROR && lerror() == EINVAL, "Trenameat to ../escaped: EINVAL");
	walk1(0, 7, "renamed");
	beg(P9_TRENAME);
	p9_put_u32(&B, 7);
	p9_put_u32(&B, 0);
	s("again");
	ok(send_msg() == P9_RRENAME, "Trename");
	ok(lopen(7, O_RDONLY) == P9_RLOPEN, "... the fid follows the file");
	clunk(7);
	beg(P9_TUNLINKAT);
	p9_put_u32(&B, 0);
	s("again");
	p9_put_u32(&B, 0);
	snprintf(p, sizeof(p), "%s/again", root);
	ok(send_msg() == P9_RUNLINKAT && access(p, F_OK) < 0, "Tunlinkat");
	beg(P9_TSYMLINK);
	p9_put_u32(&B, 0);
	s("guest-link");
	s("/etc/shadow");
	p9_put_u32(&B, 0);
	ok(send_msg() == P9_RSYMLINK && rpdu[7] == P9_QTSYMLINK, "Tsymlink (any target: never followed here)");
	walk1(0, 8, "guest-link");
	ok(lopen(8, O_RDONLY) == P9_RLERROR && lerror() == ELOOP, "... opening it fails (ELOOP)");
	beg(P9_TREMOVE);
	p9_put_u32(&B, 8);
	ok(send_msg() == P9_RREMOVE && clunk(8) == P9_RLERROR, "Tremove removes and clunks");
	beg(P9_TMKNOD);
	p9_put_u32(&B, 0);
	s("dev");
	p9_put_u32(&B, S_IFBLK | 0600);
	p9_put_u32(&B, 8);
	p9_put_u32(&B, 0);
	p9_put_u32(&B, 0);
	ok(send_msg() == P9_RLERROR && lerror() == EPERM, "Tmknod of a block device: EPERM");
	beg(P9_TSTATFS);
	p9_put_u32(&B, 0);
	ok(send_msg() == P9_RSTATFS && rlen == 67, "Tstatfs");
	beg(200);
	ok(send_msg() == P9_RLERROR && lerror() == EOPNOTSUPP, "an unknown message: EOPNOTSUPP");

	/* chains that cannot carry an answer, sizes that lie */
	{
		struct iovec out = { tpdu, 7 }, in = { rpdu, 10 };

		is_int(p9_server_handle(&srv, &out, 1, 7, &in, 1, 10), -1,
		       "a chain with 10 writable bytes cannot be answered");
		out.iov_len = 6;
		in.iov_len = 100;
		is_int(p9_server_handle(&srv, &out, 1, 6, &in, 1, 100), -1,
		       "a chain with 6 readable bytes cannot be answered");
		beg(P9_TCLUNK);
		p9_put_u32(&B, 0);
		n = p9_reply_end(&B);
		tpdu[0] = 200;	/* size beyond the chain */
		out.iov_len = n;
		ok(p9_server_handle(&srv, &out, 1, n, &in, 1, 100) == 11 && lerror() == EPROTO,
		   "a size field beyond the chain: Rlerror EPROTO");
	}

	/* read-only share */
	is_int(start(true), P9_RATTACH, "a read-only session");
	walk1(0, 1, "file");
	ok(lopen(1, O_RDWR) == P9_RLERROR && lerror() == EROFS, "ro: Tlopen for writing: EROFS");
	ok(lopen(1, O_RDONLY) == P9_RLOPEN, "ro: Tlopen for reading works");
	beg(P9_TMKDIR);
	p9_put_u32(&B, 0);
	s("nodir");
	p9_put_u32(&B, 0755);
	p9_put_u32(&B, 0);
	ok(send_msg() == P9_RLERROR && lerror() == EROFS, "ro: Tmkdir: EROFS");
	beg(P9_TUNLINKAT);
	p9_put_u32(&B, 0);
	s("file");
	p9_put_u32(&B, 0);
	ok(send_msg() == P9_RLERROR && lerror() == EROFS && !access(secret, F_OK), "ro: Tunlinkat: EROFS");
	p9_server_exit(&srv);

	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%.*s'", (int)(strlen(root) - 6), root);
		if (system(cmd))
			diag("cleanup failed: %s", cmd);
	}
	return done_testing();
}
