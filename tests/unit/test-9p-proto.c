// SPDX-License-Identifier: GPL-2.0
/*
 * virtio/9p-proto.c: encode/decode round trips of every T-message the
 * server takes, and the malformed cases: every truncation of each
 * message, size fields that disagree, string lengths past the end,
 * trailing bytes, nwname above 16, NUL bytes in names, Twrite counts.
 * Each PDU sits at the very end of its own allocation, so ASan (make
 * check SANITIZE=1) catches any read past it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/tap.h"
#include "virtio/9p-proto.h"

static u8 pdu[8192];

/* Builders: a T-message into pdu[], its size field set by fin(). */
static struct p9_buf B;
static void beg(u8 type, u16 tag)
{
	p9_buf_init(&B, pdu, sizeof(pdu));
	p9_reply_begin(&B, type, tag);	/* same header layout for T and R */
}
static u32 fin(void) { return p9_reply_end(&B); }
static void s(const char *str) { p9_put_str(&B, str, strlen(str)); }

/* Decode @len bytes of pdu[] placed at the end of an exact allocation. */
static int dec(u32 len, struct p9_msg *m, char **arena_out)
{
	u8 *copy = malloc(len ? len : 1);
	char *arena = malloc(len ? len : 1);
	int r;

	memcpy(copy, pdu, len);
	r = p9_decode(copy, len, m, arena);
	free(copy);
	if (arena_out)
		*arena_out = arena;
	else
		free(arena);
	return r;
}

/* Every strict prefix of a good message must fail with -EPROTO (with its
 * size field fixed to the prefix length, and left as it was). */
static int all_truncations_fail(u32 len)
{
	struct p9_msg m;
	u8 save[8192];
	int bad = 0;

	memcpy(save, pdu, len);
	for (u32 n = 0; n < len; n++) {
		memcpy(pdu, save, len);
		if (dec(n, &m, NULL) != -EPROTO)
			bad++;
		if (n >= 4) {
			pdu[0] = n;
			pdu[1] = n >> 8;
			pdu[2] = pdu[3] = 0;
			if (dec(n, &m, NULL) != -EPROTO)
				bad++;
		}
	}
	memcpy(pdu, save, len);
	if (bad)
		diag("  %d truncations of a %u-byte message decoded", bad, len);
	return !bad;
}

int main(void)
{
	struct p9_msg m;
	char *arena;
	u32 len;
	u8 out[64];
	struct p9_buf b;
	struct p9_qid q = { P9_QTDIR, 7, 0x1122334455667788ULL };

	/* writer/reader primitives */
	p9_buf_init(&b, out, 15);
	p9_put_u8(&b, 1);
	p9_put_u16(&b, 0x0203);
	p9_put_u32(&b, 0x04050607);
	p9_put_u64(&b, 0x08090a0b0c0d0e0fULL);
	ok(!b.err && b.pos == 15 && out[1] == 3 && out[2] == 2 && out[3] == 7 && out[14] == 8,
	   "integers are written little endian");
	p9_put_u8(&b, 9);
	ok(b.err && b.pos == 15, "a write past the end sets err and writes nothing");
	p9_buf_init(&b, out, 15);
	ok(p9_get_u8(&b) == 1 && p9_get_u16(&b) == 0x0203 && p9_get_u32(&b) == 0x04050607 &&
	   p9_get_u64(&b) == 0x08090a0b0c0d0e0fULL && !b.err, "and read back");
	ok(p9_get_u32(&b) == 0 && b.err, "a read past the end gives 0 and sets err");
	p9_buf_init(&b, out, sizeof(out));
	p9_put_qid(&b, &q);
	ok(b.pos == P9_QID_BYTES && out[0] == P9_QTDIR && out[1] == 7 && out[5] == 0x88,
	   "a qid is 13 bytes: type, version, path");
	p9_buf_init(&b, out, 6);
	p9_put_str(&b, "abcde", 5);
	ok(b.err, "a string longer than the buffer sets err");
	{
		struct p9_str str;
		u8 sbuf[4] = { 5, 0, 'a', 'b' };	/* claims 5 bytes, has 2 */

		p9_buf_init(&b, sbuf, sizeof(sbuf));
		p9_get_str(&b, &str);
		ok(b.err && str.len == 0 && !strcmp(str.s, ""), "a string length past the end is refused");
	}
	p9_buf_init(&b, out, sizeof(out));
	p9_put_str(&b, (const char *)out, 70000);
	ok(b.err, "a string over 65535 bytes cannot be encoded");
	ok(p9_encode_lerror(out, 0x1234, EROFS) == 11 && out[0] == 11 && out[4] == P9_RLERROR &&
	   out[5] == 0x34 && out[6] == 0x12 && out[7] == EROFS, "Rlerror: 11 bytes, tag, ecode");
	p9_buf_init(&b, out, 10);
	p9_reply_begin(&b, P9_RLERROR, 1);
	p9_put_u32(&b, 5);
	ok(p9_reply_end(&b) == 0, "a reply that overflows its buffer has length 0");

	/* round trips */
	beg(P9_TVERSION, P9_NOTAG);
	p9_put_u32(&B, 512 * 1024);
	s("9P2000.L");
	len = fin();
	ok(dec(len, &m, &arena) == 0 && m.type == P9_TVERSION && m.tag == P9_NOTAG &&
	   m.msize == 512 * 1024 && !strcmp(m.name, "9P2000.L") && m.name_len == 8, "Tversion");
	free(arena);
	ok(all_truncations_fail(len), "... every truncation of it is refused");

	beg(P9_TATTACH, 1);
	p9_put_u32(&B, 0);
	p9_put_u32(&B, P9_NOFID);
	s("root");
	s("");
	p9_put_u32(&B, 0);
	len = fin();
	ok(dec(len, &m, &arena) == 0 && m.fid == 0 && m.afid == P9_NOFID && !strcmp(m.name, "root") &&
	   !strcmp(m.name2, "") && m.uid == 0, "Tattach");
	free(arena);
	ok(all_truncations_fail(len), "... every truncation of it is refused");

	beg(P9_TWALK, 2);
	p9_put_u32(&B, 1);
	p9_put_u32(&B, 2);
	p9_put_u16(&B, 3);
	s("a");
	s("bb");
	s("ccc");
	len = fin();
	ok(dec(len, &m, &arena) == 0 && m.nwname == 3 && !strcmp(m.wnames[0], "a") &&
	   !strcmp(m.wnames[1], "bb") && !strcmp(m.wnames[2], "ccc") && m.newfid == 2, "Twalk with 3 names");
	free(arena);
	ok(all_truncations_fail(len), "... every truncation of it is refused");
	pdu[15] = 4;	/* nwname 4 with 3 names */
	ok(dec(len, &m, NULL) == -EPROTO, "Twalk: nwname larger than the names given");
	pdu[15] = 2;	/* nwname 2: the third name is trailing garbage */
	ok(dec(len, &m, NULL) == -EPROTO, "Twalk: trailing bytes");
	beg(P9_TWALK, 2);
	p9_put_u32(&B, 1);
	p9_put_u32(&B, 2);
	p9_put_u16(&B, 17);
	for (int i = 0; i < 17; i++)
		s("x");
	len = fin();
	ok(dec(len, &m, NULL) == -EINVAL, "Twalk: nwname 17 is refused (EINVAL)");
	beg(P9_TWALK, 2);
	p9_put_u32(&B, 1);
	p9_put_u32(&B, 2);
	p9_put_u16(&B, 1);
	p9_put_str(&B, "a\0b", 3);
	len = fin();
	ok(dec(len, &m, NULL) == -EINVAL, "Twalk: a name with a NUL byte is refused (EINVAL)");
	beg(P9_TWALK, 2);
	p9_put_u32(&B, 1);
	p9_put_u32(&B, 2);
	p9_put_u16(&B, 1);
	p9_put_u16(&B, 0xffff);	/* string length 65535, 2 bytes follow */
	p9_put_u16(&B, 0);
	len = fin();
	ok(dec(len, &m, NULL) == -EPROTO, "Twalk: a string length past the end");

	beg(P9_TLCREATE, 3);
	p9_put_u32(&B, 5);
	s("newfile");
	p9_put_u32(&B, 02 | 0100);
	p9_put_u32(&B, 0644);
	p9_put_u32(&B, 1000);
	len = fin();
	ok(dec(len, &m, &arena) == 0 && m.fid == 5 && !strcmp(m.name, "newfile") && m.flags == 0102 &&
	   m.mode == 0644 && m.gid == 1000, "Tlcreate");
	free(arena);
	ok(all_truncations_fail(len), "... every truncation of it is refused");

	beg(P9_TSETATTR, 4);
	p9_put_u32(&B, 9);
	p9_put_u32(&B, P9_SETATTR_SIZE | P9_SETATTR_MODE);
	p9_put_u32(&B, 0600);
	p9_put_u32(&B, 1);
	p9_put_u32(&B, 2);
	p9_put_u64(&B, 4096);
	for (int i = 0; i < 4; i++)
		p9_put_u64(&B, i + 10);
	len = fin();
	ok(dec(len, &m, NULL) == 0 && m.valid == 9 && m.mode == 0600 && m.size_arg == 4096 &&
	   m.atime_sec == 10 && m.mtime_nsec == 13, "Tsetattr");
	ok(all_truncations_fail(len), "... every truncation of it is refused");

	beg(P9_TRENAMEAT, 5);
	p9_put_u32(&B, 1);
	s("old");
	p9_put_u32(&B, 2);
	s("new");
	len = fin();
	ok(dec(len, &m, &arena) == 0 && m.fid == 1 && m.dfid == 2 && !strcmp(m.name, "old") &&
	   !strcmp(m.name2, "new"), "Trenameat");
	free(arena);
	ok(all_truncations_fail(len), "... every truncation of it is refused");

	beg(P9_TSYMLINK, 6);
	p9_put_u32(&B, 1);
	s("link");
	s("../target");
	p9_put_u32(&B, 0);
	len = fin();
	ok(dec(len, &m, &arena) == 0 && !strcmp(m.name, "link") && !strcmp(m.name2, "../target"),
	   "Tsymlink");
	free(arena);

	beg(P9_TLOCK, 7);
	p9_put_u32(&B, 1);
	p9_put_u8(&B, P9_LOCK_TYPE_WRLCK);
	p9_put_u32(&B, 0);
	p9_put_u64(&B, 100);
	p9_put_u64(&B, 0);
	p9_put_u32(&B, 42);
	s("guest");
	len = fin();
	ok(dec(len, &m, &arena) == 0 && m.lock_type == 1 && m.start == 100 && m.proc_id == 42 &&
	   !strcmp(m.name2, "guest"), "Tlock");
	free(arena);
	ok(all_truncations_fail(len), "... every truncation of it is refused");

	beg(P9_TMKNOD, 8);
	p9_put_u32(&B, 1);
	s("fifo");
	p9_put_u32(&B, 010644);
	p9_put_u32(&B, 0);
	p9_put_u32(&B, 0);
	p9_put_u32(&B, 0);
	len = fin();
	ok(dec(len, &m, NULL) == 0 && m.dfid == 1 && m.mode == 010644, "Tmknod");

	beg(P9_TREAD, 9);
	p9_put_u32(&B, 3);
	p9_put_u64(&B, 1ULL << 40);
	p9_put_u32(&B, 65536);
	len = fin();
	ok(dec(len, &m, NULL) == 0 && m.offset == 1ULL << 40 && m.count == 65536, "Tread");
	pdu[0]++;
	ok(dec(len, &m, NULL) == -EPROTO, "Tread: a size field one larger than the message");
	pdu[0] -= 2;
	ok(dec(len, &m, NULL) == -EPROTO, "Tread: a size field one smaller");
	pdu[0]++;
	pdu[len] = 0;
	pdu[0]++;
	ok(dec(len + 1, &m, NULL) == -EPROTO, "Tread: one trailing byte");

	/* Twrite: header only, size = header + count */
	beg(P9_TWRITE, 10);
	p9_put_u32(&B, 3);
	p9_put_u64(&B, 0);
	p9_put_u32(&B, 100);
	fin();
	pdu[0] = P9_TWRITE_HDR + 100;
	ok(dec(P9_TWRITE_HDR, &m, NULL) == 0 && m.count == 100 && m.size == 123, "Twrite header");
	pdu[0] = P9_TWRITE_HDR + 99;
	ok(dec(P9_TWRITE_HDR, &m, NULL) == -EPROTO, "Twrite: count larger than the data");
	pdu[0] = P9_TWRITE_HDR + 101;
	ok(dec(P9_TWRITE_HDR, &m, NULL) == -EPROTO, "Twrite: count smaller than the data");
	pdu[0] = P9_TWRITE_HDR + 100;
	ok(dec(P9_TWRITE_HDR - 1, &m, NULL) == -EPROTO, "Twrite: a header one byte short");
	beg(P9_TWRITE, 10);
	p9_put_u32(&B, 3);
	p9_put_u64(&B, 0);
	p9_put_u32(&B, 0xffffffff);
	fin();
	pdu[0] = P9_TWRITE_HDR;
	ok(dec(P9_TWRITE_HDR, &m, NULL) == -EPROTO, "Twrite: count 4 GiB - 1 with size 23 (no wrap)");

	/* other types */
	beg(P9_RVERSION, 1);
	len = fin();
	ok(dec(len, &m, NULL) == -EOPNOTSUPP && m.tag == 1, "an R-message is refused, its tag kept");
	beg(200, 2);
	len = fin();
	ok(dec(len, &m, NULL) == -EOPNOTSUPP, "an unknown type is refused");
	ok(dec(0, &m, NULL) == -EPROTO && dec(6, &m, NULL) == -EPROTO, "fewer than 7 bytes");

	{
		int n = 0;
		u8 types[] = { P9_TSTATFS, P9_TLOPEN, P9_TRENAME, P9_TREADLINK, P9_TGETATTR,
			       P9_TXATTRWALK, P9_TXATTRCREATE, P9_TREADDIR, P9_TFSYNC, P9_TGETLOCK,
			       P9_TLINK, P9_TMKDIR, P9_TUNLINKAT, P9_TFLUSH, P9_TCLUNK, P9_TREMOVE,
			       P9_TAUTH };

		/* a header alone: every typed body is missing */
		for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
			beg(types[i], 1);
			len = fin();
			n += dec(len, &m, NULL) == -EPROTO;
		}
		ok(n == (int)ARRAY_SIZE(types), "every other message without its body is refused");
	}
	{
		/* random bytes: decode never fails by crashing, and a success
		 * consumed exactly the size field's bytes */
		int fine = 1;

		srand(1);
		for (int i = 0; i < 20000; i++) {
			u32 l = 7 + rand() % 64;

			for (u32 k = 0; k < l; k++)
				pdu[k] = rand();
			pdu[4] = (rand() % 64) * 2;
			if (rand() & 1) {
				pdu[0] = l;
				pdu[1] = pdu[2] = pdu[3] = 0;
			}
			if (dec(l, &m, NULL) == 0 && m.type != P9_TWRITE && m.size != l)
				fine = 0;
		}
		ok(fine, "20000 random PDUs decode or fail cleanly");
	}
	is_str(p9_type_name(P9_TWALK), "Twalk", "type names");
	is_str(p9_type_name(255), "unknown", "unknown type name");
	return done_testing();
}
