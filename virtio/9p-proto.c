// SPDX-License-Identifier: GPL-2.0
/*
 * 9P2000.L wire format: bounded reader/writer and the T-message decoder
 * (virtio/9p-proto.h). Sources: intro(5) of the 9P2000 manual for the
 * header, strings and qids; the 9P2000.L message descriptions for the
 * layouts decoded below.
 */
#include <errno.h>
#include <string.h>

#include "virtio/9p-proto.h"

void p9_buf_init(struct p9_buf *b, void *data, u32 size)
{
	b->data = data;
	b->size = size;
	b->pos = 0;
	b->err = false;
}

/* Take @n bytes for reading or writing; NULL (and err) if they do not fit. */
static u8 *take(struct p9_buf *b, u32 n)
{
	u8 *p;

	if (b->err || n > b->size - b->pos) {
		b->err = true;
		return NULL;
	}
	p = b->data + b->pos;
	b->pos += n;
	return p;
}

static u64 get_le(struct p9_buf *b, u32 n)
{
	const u8 *p = take(b, n);
	u64 v = 0;

	if (!p)
		return 0;
	for (u32 i = 0; i < n; i++)
		v |= (u64)p[i] << (8 * i);
	return v;
}

static void put_le(struct p9_buf *b, u64 v, u32 n)
{
	u8 *p = take(b, n);

	if (!p)
		return;
	for (u32 i = 0; i < n; i++)
		p[i] = (u8)(v >> (8 * i));
}

u8 p9_get_u8(struct p9_buf *b) { return (u8)get_le(b, 1); }
u16 p9_get_u16(struct p9_buf *b) { return (u16)get_le(b, 2); }
u32 p9_get_u32(struct p9_buf *b) { return (u32)get_le(b, 4); }
u64 p9_get_u64(struct p9_buf *b) { return get_le(b, 8); }

void p9_get_str(struct p9_buf *b, struct p9_str *s)
{
	u16 len = p9_get_u16(b);
	const u8 *p = take(b, len);

	if (!p) {
		s->s = "";
		s->len = 0;
		return;
	}
	s->s = (const char *)p;
	s->len = len;
}

void p9_put_u8(struct p9_buf *b, u8 v) { put_le(b, v, 1); }
void p9_put_u16(struct p9_buf *b, u16 v) { put_le(b, v, 2); }
void p9_put_u32(struct p9_buf *b, u32 v) { put_le(b, v, 4); }
void p9_put_u64(struct p9_buf *b, u64 v) { put_le(b, v, 8); }

void p9_put_bytes(struct p9_buf *b, const void *p, size_t len)
{
	u8 *d;

	if (len > UINT32_MAX) {
		b->err = true;
		return;
	}
	d = take(b, (u32)len);
	if (d && len)
		memcpy(d, p, len);
}

void p9_put_str(struct p9_buf *b, const char *s, size_t len)
{
	if (len > 0xffff) {
		b->err = true;
		return;
	}
	p9_put_u16(b, (u16)len);
	p9_put_bytes(b, s, len);
}

void p9_put_qid(struct p9_buf *b, const struct p9_qid *q)
{
	p9_put_u8(b, q->type);
	p9_put_u32(b, q->version);
	p9_put_u64(b, q->path);
}

void p9_reply_begin(struct p9_buf *b, u8 type, u16 tag)
{
	b->pos = 0;
	b->err = false;
	p9_put_u32(b, 0);
	p9_put_u8(b, type);
	p9_put_u16(b, tag);
}

u32 p9_reply_end(struct p9_buf *b)
{
	u32 len = b->pos;

	if (b->err || len < P9_HDR_BYTES)
		return 0;
	b->pos = 0;
	p9_put_u32(b, len);
	b->pos = len;
	return len;
}

u32 p9_encode_lerror(u8 *out, u16 tag, u32 ecode)
{
	const u8 msg[P9_RLERROR_BYTES] = {
		P9_RLERROR_BYTES, 0, 0, 0, P9_RLERROR, (u8)tag, (u8)(tag >> 8),
		(u8)ecode, (u8)(ecode >> 8), (u8)(ecode >> 16), (u8)(ecode >> 24),
	};

	memcpy(out, msg, sizeof(msg));
	return P9_RLERROR_BYTES;
}

/*
 * The decoder's state: the PDU cursor and the arena strings are copied
 * into. The arena needs at most the PDU's length: each string costs
 * 2 + len bytes of PDU and len + 1 bytes of arena.
 */
struct dec {
	struct p9_buf b;
	char *arena;
	u32 used, cap;
	int err;		/* first semantic error (-EINVAL) */
};

/* A string copied into the arena, NUL-terminated; @is_name: a path
 * component or other name that must not hold a NUL byte. */
static const char *dstr(struct dec *d, u16 *lenp, bool is_name)
{
	struct p9_str s;
	char *out;

	p9_get_str(&d->b, &s);
	if (d->b.err)
		return "";
	if (is_name && memchr(s.s, 0, s.len) && !d->err)
		d->err = -EINVAL;
	if ((u32)s.len + 1 > d->cap - d->used) {	/* cannot happen: see above */
		d->b.err = true;
		return "";
	}
	out = d->arena + d->used;
	memcpy(out, s.s, s.len);
	out[s.len] = 0;
	d->used += s.len + 1;
	if (lenp)
		*lenp = s.len;
	return out;
}

#define U8(d)	p9_get_u8(&(d)->b)
#define U16(d)	p9_get_u16(&(d)->b)
#define U32(d)	p9_get_u32(&(d)->b)
#define U64(d)	p9_get_u64(&(d)->b)
#define NAME(d, m)	((m)->name = dstr(d, &(m)->name_len, true))
#define NAME2(d, m)	((m)->name2 = dstr(d, &(m)->name2_len, true))

/* The body of message @m->type. Returns 0, or -EOPNOTSUPP for a type
 * the server does not take. */
static int body(struct dec *d, struct p9_msg *m)
{
	switch (m->type) {
	case P9_TVERSION:
		m->msize = U32(d);
		NAME(d, m);
		break;
	case P9_TAUTH:
		m->afid = U32(d);
		NAME(d, m);
		NAME2(d, m);
		m->uid = U32(d);
		break;
	case P9_TATTACH:
		m->fid = U32(d);
		m->afid = U32(d);
		NAME(d, m);	/* uname */
		NAME2(d, m);	/* aname */
		m->uid = U32(d);
		break;
	case P9_TFLUSH:
		m->oldtag = U16(d);
		break;
	case P9_TWALK:
		m->fid = U32(d);
		m->newfid = U32(d);
		m->nwname = U16(d);
		if (m->nwname > P9_MAXWELEM) {
			if (!d->b.err)
				d->err = -EINVAL;
			return 0;
		}
		for (int i = 0; i < m->nwname; i++)
			m->wnames[i] = dstr(d, NULL, true);
		break;
	case P9_TREAD:
	case P9_TREADDIR:
	case P9_TWRITE:
		m->fid = U32(d);
		m->offset = U64(d);
		m->count = U32(d);
		break;
	case P9_TCLUNK:
	case P9_TREMOVE:
	case P9_TSTATFS:
	case P9_TREADLINK:
		m->fid = U32(d);
		break;
	case P9_TLOPEN:
		m->fid = U32(d);
		m->flags = U32(d);
		break;
	case P9_TLCREATE:
		m->fid = U32(d);
		NAME(d, m);
		m->flags = U32(d);
		m->mode = U32(d);
		m->gid = U32(d);
		break;
	case P9_TSYMLINK:
		m->fid = U32(d);
		NAME(d, m);
		NAME2(d, m);	/* target */
		m->gid = U32(d);
		break;
	case P9_TMKNOD:
		m->dfid = U32(d);
		NAME(d, m);
		m->mode = U32(d);
		m->major = U32(d);
		m->minor = U32(d);
		m->gid = U32(d);
		break;
	case P9_TRENAME:
		m->fid = U32(d);
		m->dfid = U32(d);
		NAME(d, m);
		break;
	case P9_TGETATTR:
		m->fid = U32(d);
		m->mask = U64(d);
		break;
	case P9_TSETATTR:
		m->fid = U32(d);
		m->valid = U32(d);
		m->mode = U32(d);
		m->uid = U32(d);
		m->gid = U32(d);
		m->size_arg = U64(d);
		m->atime_sec = U64(d);
		m->atime_nsec = U64(d);
		m->mtime_sec = U64(d);
		m->mtime_nsec = U64(d);
		break;
	case P9_TXATTRWALK:
		m->fid = U32(d);
		m->newfid = U32(d);
		NAME(d, m);
		break;
	case P9_TXATTRCREATE:
		m->fid = U32(d);
		NAME(d, m);
		m->attr_size = U64(d);
		m->flags = U32(d);
		break;
	case P9_TFSYNC:
		m->fid = U32(d);
		m->datasync = U32(d);
		break;
	case P9_TLOCK:
		m->fid = U32(d);
		m->lock_type = U8(d);
		m->flags = U32(d);
		m->start = U64(d);
		m->length = U64(d);
		m->proc_id = U32(d);
		NAME2(d, m);	/* client_id */
		break;
	case P9_TGETLOCK:
		m->fid = U32(d);
		m->lock_type = U8(d);
		m->start = U64(d);
		m->length = U64(d);
		m->proc_id = U32(d);
		NAME2(d, m);
		break;
	case P9_TLINK:
		m->dfid = U32(d);
		m->fid = U32(d);
		NAME(d, m);
		break;
	case P9_TMKDIR:
		m->dfid = U32(d);
		NAME(d, m);
		m->mode = U32(d);
		m->gid = U32(d);
		break;
	case P9_TRENAMEAT:
		m->fid = U32(d);	/* olddirfid */
		NAME(d, m);
		m->dfid = U32(d);	/* newdirfid */
		NAME2(d, m);
		break;
	case P9_TUNLINKAT:
		m->dfid = U32(d);
		NAME(d, m);
		m->flags = U32(d);
		break;
	default:
		return -EOPNOTSUPP;
	}
	return 0;
}

int p9_decode(const u8 *pdu, u32 len, struct p9_msg *m, char *arena)
{
	struct dec d = { .arena = arena, .cap = len };
	int r;

	memset(m, 0, sizeof(*m));
	m->name = m->name2 = "";
	if (len < P9_HDR_BYTES)
		return -EPROTO;
	p9_buf_init(&d.b, (void *)pdu, len);
	m->size = U32(&d);
	m->type = U8(&d);
	m->tag = U16(&d);
	if (m->type == P9_TWRITE) {
		/* header only: the data stays where the driver put it */
		if (len < P9_TWRITE_HDR)
			return -EPROTO;
		d.b.size = P9_TWRITE_HDR;
	} else if (m->size != len) {
		return -EPROTO;
	}
	r = body(&d, m);
	if (r)
		return r;
	if (d.err && !d.b.err)
		return d.err;
	if (d.b.err || d.b.pos != d.b.size)
		return -EPROTO;
	if (m->type == P9_TWRITE && (u64)m->size != (u64)P9_TWRITE_HDR + m->count)
		return -EPROTO;
	return 0;
}

const char *p9_type_name(u8 type)
{
	static const char *const names[] = {
		[P9_TLERROR] = "Tlerror", [P9_RLERROR] = "Rlerror",
		[P9_TSTATFS] = "Tstatfs", [P9_TLOPEN] = "Tlopen", [P9_TLCREATE] = "Tlcreate",
		[P9_TSYMLINK] = "Tsymlink", [P9_TMKNOD] = "Tmknod", [P9_TRENAME] = "Trename",
		[P9_TREADLINK] = "Treadlink", [P9_TGETATTR] = "Tgetattr",
		[P9_TSETATTR] = "Tsetattr", [P9_TXATTRWALK] = "Txattrwalk",
		[P9_TXATTRCREATE] = "Txattrcreate", [P9_TREADDIR] = "Treaddir",
		[P9_TFSYNC] = "Tfsync", [P9_TLOCK] = "Tlock", [P9_TGETLOCK] = "Tgetlock",
		[P9_TLINK] = "Tlink", [P9_TMKDIR] = "Tmkdir", [P9_TRENAMEAT] = "Trenameat",
		[P9_TUNLINKAT] = "Tunlinkat", [P9_TVERSION] = "Tversion", [P9_TAUTH] = "Tauth",
		[P9_TATTACH] = "Tattach", [P9_TFLUSH] = "Tflush", [P9_TWALK] = "Twalk",
		[P9_TREAD] = "Tread", [P9_TWRITE] = "Twrite", [P9_TCLUNK] = "Tclunk",
		[P9_TREMOVE] = "Tremove",
	};

	return type < ARRAY_SIZE(names) && names[type] ? names[type] : "unknown";
}
