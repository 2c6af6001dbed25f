/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 9P2000.L messages as bytes: a bounded reader and writer of the wire
 * format (little-endian integers, strings as u16 length + bytes, qids of
 * 13 bytes) and a decoder of every T-message lkvm's server answers into
 * struct p9_msg. Sources: the 9P2000 manual pages (intro(5): message
 * header size[4] type[1] tag[2], string and qid encodings) and the
 * 9P2000.L protocol description (Linux v9fs, Documentation/filesystems/
 * 9p.rst and the diod project's protocol.md for the .L message layouts).
 *
 * Every PDU is hostile: every length, count and string is checked against
 * the buffer before use; a short or malformed message decodes to an error
 * (never a read past the buffer), which the server answers with Rlerror.
 */
#ifndef LKVM_VIRTIO_9P_PROTO_H
#define LKVM_VIRTIO_9P_PROTO_H

#include <stdbool.h>

#include "util/util.h"

/* Message types (9P2000 and 9P2000.L). T is even, its R is T + 1. */
enum p9_type {
	P9_TLERROR = 6, P9_RLERROR,
	P9_TSTATFS = 8, P9_RSTATFS,
	P9_TLOPEN = 12, P9_RLOPEN,
	P9_TLCREATE = 14, P9_RLCREATE,
	P9_TSYMLINK = 16, P9_RSYMLINK,
	P9_TMKNOD = 18, P9_RMKNOD,
	P9_TRENAME = 20, P9_RRENAME,
	P9_TREADLINK = 22, P9_RREADLINK,
	P9_TGETATTR = 24, P9_RGETATTR,
	P9_TSETATTR = 26, P9_RSETATTR,
	P9_TXATTRWALK = 30, P9_RXATTRWALK,
	P9_TXATTRCREATE = 32, P9_RXATTRCREATE,
	P9_TREADDIR = 40, P9_RREADDIR,
	P9_TFSYNC = 50, P9_RFSYNC,
	P9_TLOCK = 52, P9_RLOCK,
	P9_TGETLOCK = 54, P9_RGETLOCK,
	P9_TLINK = 70, P9_RLINK,
	P9_TMKDIR = 72, P9_RMKDIR,
	P9_TRENAMEAT = 74, P9_RRENAMEAT,
	P9_TUNLINKAT = 76, P9_RUNLINKAT,
	P9_TVERSION = 100, P9_RVERSION,
	P9_TAUTH = 102, P9_RAUTH,
	P9_TATTACH = 104, P9_RATTACH,
	P9_TFLUSH = 108, P9_RFLUSH,
	P9_TWALK = 110, P9_RWALK,
	P9_TREAD = 116, P9_RREAD,
	P9_TWRITE = 118, P9_RWRITE,
	P9_TCLUNK = 120, P9_RCLUNK,
	P9_TREMOVE = 122, P9_RREMOVE,
};

#define P9_HDR_BYTES	7		/* size[4] type[1] tag[2] */
#define P9_QID_BYTES	13		/* type[1] version[4] path[8] */
#define P9_NOTAG	0xffff
#define P9_NOFID	0xffffffffu
#define P9_MAXWELEM	16		/* names in one Twalk (intro(5)) */
#define P9_TWRITE_HDR	23		/* size type tag fid[4] offset[8] count[4] */
#define P9_RREAD_HDR	11		/* size type tag count[4] */
#define P9_RLERROR_BYTES 11		/* size type tag ecode[4] */

/* Qid types (intro(5)). */
#define P9_QTDIR	0x80
#define P9_QTSYMLINK	0x02
#define P9_QTFILE	0x00

/* Tgetattr request_mask / Rgetattr valid bits (9P2000.L). */
#define P9_GETATTR_BASIC	0x000007ffULL	/* mode .. blocks */
#define P9_GETATTR_BTIME	0x00000800ULL
#define P9_GETATTR_GEN		0x00001000ULL
#define P9_GETATTR_DATA_VERSION	0x00002000ULL

/* Tsetattr valid bits (9P2000.L). */
#define P9_SETATTR_MODE		0x001
#define P9_SETATTR_UID		0x002
#define P9_SETATTR_GID		0x004
#define P9_SETATTR_SIZE		0x008
#define P9_SETATTR_ATIME	0x010
#define P9_SETATTR_MTIME	0x020
#define P9_SETATTR_CTIME	0x040
#define P9_SETATTR_ATIME_SET	0x080
#define P9_SETATTR_MTIME_SET	0x100

/* Tlock types, flags and Rlock status (9P2000.L). */
#define P9_LOCK_TYPE_RDLCK	0
#define P9_LOCK_TYPE_WRLCK	1
#define P9_LOCK_TYPE_UNLCK	2
#define P9_LOCK_FLAGS_BLOCK	1
#define P9_LOCK_SUCCESS		0
#define P9_LOCK_BLOCKED		1
#define P9_LOCK_ERROR		2

/* A string inside a PDU: not NUL-terminated there. */
struct p9_str {
	const char *s;
	u16 len;
};

/* A qid: the server's identity of a file (intro(5)). */
struct p9_qid {
	u8 type;
	u32 version;
	u64 path;
};

/*
 * A bounded cursor over @size bytes at @data. Reads and writes past the
 * end do nothing and set @err; check it once at the end. @data may be
 * NULL when @size is 0.
 */
struct p9_buf {
	u8 *data;
	u32 size;
	u32 pos;
	bool err;
};

/* p9_buf_init - a cursor over @size bytes at @data, at position 0. */
void p9_buf_init(struct p9_buf *b, void *data, u32 size);

/* Readers: the next value, or 0 (and b->err) if fewer bytes remain. */
u8 p9_get_u8(struct p9_buf *b);
u16 p9_get_u16(struct p9_buf *b);
u32 p9_get_u32(struct p9_buf *b);
u64 p9_get_u64(struct p9_buf *b);
/* p9_get_str - a string (u16 length, then bytes, all inside the buffer);
 * on overrun @s is set to the empty string and b->err is set. */
void p9_get_str(struct p9_buf *b, struct p9_str *s);

/* Writers: append the value, or set b->err if it does not fit. */
void p9_put_u8(struct p9_buf *b, u8 v);
void p9_put_u16(struct p9_buf *b, u16 v);
void p9_put_u32(struct p9_buf *b, u32 v);
void p9_put_u64(struct p9_buf *b, u64 v);
/* p9_put_str - @len bytes of @s as a 9P string (@len <= 65535, else err). */
void p9_put_str(struct p9_buf *b, const char *s, size_t len);
void p9_put_qid(struct p9_buf *b, const struct p9_qid *q);
/* p9_put_bytes - @len raw bytes (Rread data, Rreaddir entries). */
void p9_put_bytes(struct p9_buf *b, const void *p, size_t len);

/*
 * p9_reply_begin - start an R-message of @type for @tag in @b (reserves
 * the size field). p9_reply_end - write the size field; returns the
 * message's length in bytes, or 0 if it overflowed @b.
 */
void p9_reply_begin(struct p9_buf *b, u8 type, u16 tag);
u32 p9_reply_end(struct p9_buf *b);

/*
 * p9_encode_lerror - an Rlerror for @tag with Linux errno @ecode into
 * @out (at least P9_RLERROR_BYTES). Returns P9_RLERROR_BYTES.
 */
u32 p9_encode_lerror(u8 *out, u16 tag, u32 ecode);

/*
 * A decoded T-message. Strings point into the decoder's arena and are
 * NUL-terminated there; names (path components) are checked to hold no
 * NUL byte. Only the fields of @type's message are set.
 */
struct p9_msg {
	u32 size;			/* the header's size field */
	u8 type;
	u16 tag;
	u32 fid, newfid, afid, dfid;	/* the message's fids (Tlink: dfid, fid; Trenameat: fid = olddirfid, dfid = newdirfid) */
	u32 msize;			/* Tversion */
	u32 flags;			/* Tlopen, Tlcreate, Tunlinkat, Txattrcreate, Tlock */
	u32 mode;			/* Tlcreate, Tmkdir, Tmknod, Tsetattr */
	u32 gid, uid;			/* Tlcreate, Tmkdir, Tmknod, Tsymlink; Tsetattr; n_uname */
	u32 major, minor;		/* Tmknod */
	u32 count;			/* Tread, Twrite, Treaddir */
	u32 valid;			/* Tsetattr */
	u32 datasync;			/* Tfsync */
	u32 proc_id;			/* Tlock, Tgetlock */
	u16 oldtag;			/* Tflush */
	u8 lock_type;			/* Tlock, Tgetlock */
	u64 offset;			/* Tread, Twrite, Treaddir */
	u64 mask;			/* Tgetattr request_mask */
	u64 attr_size;			/* Txattrcreate */
	u64 size_arg;			/* Tsetattr size */
	u64 atime_sec, atime_nsec, mtime_sec, mtime_nsec;	/* Tsetattr */
	u64 start, length;		/* Tlock, Tgetlock */
	const char *name;		/* file name, Tversion's version, xattr name, old name */
	const char *name2;		/* Trenameat new name, Tsymlink target, Tattach aname, lock client_id */
	u16 name_len, name2_len;
	u16 nwname;			/* Twalk */
	const char *wnames[P9_MAXWELEM];
};

/*
 * p9_decode - decode the T-message in the @len bytes at @pdu into @m,
 * copying its strings into @arena (at least @len bytes). The size field
 * must equal @len, except for Twrite, where @pdu holds only the
 * P9_TWRITE_HDR header bytes (the data stays in guest memory) and the
 * size field must equal the header plus count. Returns 0, or a negative
 * errno: -EPROTO for a truncated message, trailing bytes or a size field
 * that disagrees, -EINVAL for a name with a NUL byte, nwname above
 * P9_MAXWELEM, -EOPNOTSUPP for an unknown or R-message type. When at
 * least the header was read (@m->type != 0) @m->tag is valid for the
 * Rlerror.
 */
int p9_decode(const u8 *pdu, u32 len, struct p9_msg *m, char *arena);

/* p9_type_name - "Twalk" and so on, "unknown" for other values. */
const char *p9_type_name(u8 type);

#endif
