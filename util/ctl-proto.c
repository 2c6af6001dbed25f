// SPDX-License-Identifier: GPL-2.0
/*
 * Control protocol codec (Documentation/control-protocol.txt, version 1).
 * Every read from a payload is bounds-checked through struct rbuf: the
 * bytes come from another process and are not trusted.
 */
#include <errno.h>
#include <string.h>

#include "util/ctl-proto.h"

/* ---- little-endian helpers -------------------------------------------- */

static void put_le(u8 *out, u64 v, int n)
{
	for (int i = 0; i < n; i++)
		out[i] = (u8)(v >> (8 * i));
}

static u64 get_le(const u8 *in, int n)
{
	u64 v = 0;

	for (int i = 0; i < n; i++)
		v |= (u64)in[i] << (8 * i);
	return v;
}

void ctl_put_u32(u8 *out, u32 v)
{
	put_le(out, v, 4);
}

u32 ctl_get_u32(const u8 *in)
{
	return (u32)get_le(in, 4);
}

/* A writer that records overflow instead of writing past @cap. */
struct wbuf {
	u8 *p;
	size_t len, cap;
	bool over;
};

static void w_int(struct wbuf *w, u64 v, int n)
{
	if (w->over || w->cap - w->len < (size_t)n) {
		w->over = true;
		return;
	}
	put_le(w->p + w->len, v, n);
	w->len += n;
}

/* A string as u16 length + bytes (no NUL); longer than @max is an error. */
static void w_str(struct wbuf *w, const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n > max) {
		w->over = true;
		return;
	}
	w_int(w, n, 2);
	if (w->over || w->cap - w->len < n) {
		w->over = true;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

/* A reader that fails (sticky @err) instead of reading past @len. */
struct rbuf {
	const u8 *p;
	size_t len, off;
	bool err;
};

static u64 r_int(struct rbuf *r, int n)
{
	u64 v;

	if (r->err || r->len - r->off < (size_t)n) {
		r->err = true;
		return 0;
	}
	v = get_le(r->p + r->off, n);
	r->off += n;
	return v;
}

/* Read a u16-length string into @out (@max bytes + NUL). NUL bytes inside
 * or a length above @max are errors. */
static void r_str(struct rbuf *r, char *out, size_t max)
{
	size_t n = r_int(r, 2);

	out[0] = 0;
	if (r->err || n > max || r->len - r->off < n) {
		r->err = true;
		return;
	}
	if (memchr(r->p + r->off, 0, n)) {
		r->err = true;
		return;
	}
	memcpy(out, r->p + r->off, n);
	out[n] = 0;
	r->off += n;
}

/* True if every byte was consumed and nothing failed. */
static bool r_done(const struct rbuf *r)
{
	return !r->err && r->off == r->len;
}

/* ---- header ------------------------------------------------------------ */

void ctl_hdr_encode(u8 out[CTL_HDR_SIZE], const struct ctl_hdr *h)
{
	put_le(out + 0, h->magic, 4);
	put_le(out + 4, h->version, 2);
	put_le(out + 6, h->type, 2);
	put_le(out + 8, h->flags, 2);
	put_le(out + 10, h->reserved, 2);
	put_le(out + 12, h->id, 4);
	put_le(out + 16, (u32)h->status, 4);
	put_le(out + 20, h->len, 4);
}

int ctl_hdr_decode(const u8 *buf, size_t len, struct ctl_hdr *h, const char **why)
{
	*why = NULL;
	if (len < CTL_HDR_SIZE)
		return 1;
	h->magic = get_le(buf + 0, 4);
	h->version = get_le(buf + 4, 2);
	h->type = get_le(buf + 6, 2);
	h->flags = get_le(buf + 8, 2);
	h->reserved = get_le(buf + 10, 2);
	h->id = get_le(buf + 12, 4);
	h->status = (s32)get_le(buf + 16, 4);
	h->len = get_le(buf + 20, 4);
	if (h->magic != CTL_MAGIC) {
		*why = "bad magic (not an lkvm control message)";
		return -EPROTO;
	}
	if (h->version != CTL_VERSION) {
		*why = "unsupported protocol version";
		return -EPROTONOSUPPORT;
	}
	if (h->len > CTL_MAX_PAYLOAD) {
		*why = "payload larger than 64 KiB";
		return -EMSGSIZE;
	}
	if (h->reserved || (h->flags & ~CTL_F_KNOWN)) {
		*why = "reserved header bits set";
		return -EPROTO;
	}
	/* Callers print strerror(-status): -INT32_MIN would overflow. */
	if (h->status > 0 || h->status < -CTL_ERRNO_MAX) {
		*why = "status neither 0 nor a negative errno";
		return -EPROTO;
	}
	return 0;
}

long ctl_msg_decode(const u8 *buf, size_t len, struct ctl_hdr *h,
		    const u8 **payload, const char **why)
{
	int ret = ctl_hdr_decode(buf, len, h, why);

	if (ret < 0)
		return ret;
	if (ret == 1 || len - CTL_HDR_SIZE < h->len)
		return 0;
	*payload = buf + CTL_HDR_SIZE;
	return CTL_HDR_SIZE + (long)h->len;
}

struct ctl_hdr ctl_reply_hdr(u16 type, u32 id, s32 status, u32 len, u16 flags)
{
	return (struct ctl_hdr){
		.magic = CTL_MAGIC,
		.version = CTL_VERSION,
		.type = type,
		.flags = CTL_F_REPLY | (flags & CTL_F_MORE),
		.id = id,
		.status = status,
		.len = len,
	};
}

/* ---- requests ---------------------------------------------------------- */

static const char *const type_names[CTL_T_MAX] = {
	[CTL_T_NONE] = "none",
	[CTL_T_INFO] = "info",
	[CTL_T_PAUSE] = "pause",
	[CTL_T_RESUME] = "resume",
	[CTL_T_STOP] = "stop",
	[CTL_T_DUMP] = "dump",
	[CTL_T_PAGEWALK] = "pagewalk",
	[CTL_T_MEMORY] = "memory",
	[CTL_T_NMI] = "nmi",
	[CTL_T_SYSRQ] = "sysrq",
	[CTL_T_STATS_FDS] = "stats-fds",
	[CTL_T_EXIT_ACCT] = "exit-acct",
};

const char *ctl_type_name(u16 type)
{
	return type < CTL_T_MAX ? type_names[type] : "unknown";
}

/* Write @rq's payload; the caller checked @rq->type. */
static void encode_payload(struct wbuf *w, const struct ctl_request *rq)
{
	switch (rq->type) {
	case CTL_T_STOP:
		w_int(w, rq->stop.flags, 4);
		break;
	case CTL_T_DUMP:
		w_int(w, rq->dump.cpu, 4);
		w_str(w, rq->dump.symbols, CTL_PATH_MAX);
		break;
	case CTL_T_PAGEWALK:
		w_int(w, rq->walk.cpu, 4);
		w_int(w, rq->walk.gva, 8);
		break;
	case CTL_T_MEMORY:
		w_int(w, rq->mem.addr, 8);
		w_int(w, rq->mem.len, 4);
		w_int(w, rq->mem.cpu, 4);
		w_int(w, rq->mem.flags, 4);
		break;
	case CTL_T_NMI:
		w_int(w, rq->nmi.cpu, 4);
		break;
	case CTL_T_SYSRQ:
		w_int(w, rq->sysrq.key, 1);
		break;
	case CTL_T_STATS_FDS:
		w_int(w, rq->fds.first, 4);
		w_int(w, rq->fds.max, 4);
		break;
	default:	/* INFO, PAUSE, RESUME: no payload */
		break;
	}
}

long ctl_request_encode(const struct ctl_request *rq, u8 *out, size_t cap)
{
	struct wbuf w = { .p = out, .cap = cap, .len = CTL_HDR_SIZE };
	struct ctl_hdr h = {
		.magic = CTL_MAGIC,
		.version = CTL_VERSION,
		.type = rq->type,
		.id = rq->id,
	};

	if (rq->type == CTL_T_NONE || rq->type >= CTL_T_MAX || cap < CTL_HDR_SIZE)
		return -1;
	encode_payload(&w, rq);
	if (w.over || w.len - CTL_HDR_SIZE > CTL_MAX_PAYLOAD)
		return -1;
	h.len = w.len - CTL_HDR_SIZE;
	ctl_hdr_encode(out, &h);
	return (long)w.len;
}

int ctl_request_decode(const struct ctl_hdr *h, const u8 *payload,
		       struct ctl_request *rq, const char **why)
{
	struct rbuf r = { .p = payload, .len = h->len };

	memset(rq, 0, sizeof(*rq));
	rq->type = h->type;
	rq->id = h->id;
	*why = NULL;
	if (h->flags & CTL_F_REPLY) {
		*why = "a reply where a request was expected";
		return -EINVAL;
	}
	if (h->status) {
		*why = "status set in a request";
		return -EINVAL;
	}
	switch (h->type) {
	case CTL_T_INFO:
	case CTL_T_PAUSE:
	case CTL_T_RESUME:
	case CTL_T_EXIT_ACCT:
		break;
	case CTL_T_STOP:
		rq->stop.flags = r_int(&r, 4);
		if (rq->stop.flags & ~CTL_STOP_FORCE)
			r.err = true;
		break;
	case CTL_T_DUMP:
		rq->dump.cpu = r_int(&r, 4);
		r_str(&r, rq->dump.symbols, CTL_PATH_MAX);
		break;
	case CTL_T_PAGEWALK:
		rq->walk.cpu = r_int(&r, 4);
		rq->walk.gva = r_int(&r, 8);
		break;
	case CTL_T_MEMORY:
		rq->mem.addr = r_int(&r, 8);
		rq->mem.len = r_int(&r, 4);
		rq->mem.cpu = r_int(&r, 4);
		rq->mem.flags = r_int(&r, 4);
		if (!rq->mem.len || rq->mem.len > CTL_MAX_PAYLOAD ||
		    (rq->mem.flags & ~CTL_MEM_VIRTUAL))
			r.err = true;
		break;
	case CTL_T_NMI:
		rq->nmi.cpu = r_int(&r, 4);
		break;
	case CTL_T_SYSRQ:
		rq->sysrq.key = r_int(&r, 1);
		/* A sysrq key is a printable character; controls are refused
		 * so a break cannot be followed by, say, a NUL or an escape. */
		if (rq->sysrq.key < 0x21 || rq->sysrq.key > 0x7e)
			r.err = true;
		break;
	case CTL_T_STATS_FDS:
		rq->fds.first = r_int(&r, 4);
		rq->fds.max = r_int(&r, 4);
		if (!rq->fds.max || rq->fds.max > CTL_MAX_FDS)
			r.err = true;
		break;
	default:
		*why = "unknown request type";
		return -EOPNOTSUPP;
	}
	if (!r_done(&r)) {
		*why = "malformed payload for this request type";
		return -EINVAL;
	}
	return 0;
}

/* ---- replies ----------------------------------------------------------- */

long ctl_info_encode(const struct ctl_info *info, u8 *out, size_t cap)
{
	struct wbuf w = { .p = out, .cap = cap };

	w_int(&w, info->pid, 4);
	w_int(&w, info->state, 4);
	w_int(&w, info->nr_vcpus, 4);
	w_int(&w, info->ram_size, 8);
	w_int(&w, info->uptime_ns, 8);
	w_str(&w, info->name, CTL_NAME_MAX);
	w_str(&w, info->kernel, CTL_PATH_MAX);
	if (info->nr_macs > CTL_MAX_MACS)
		return -1;
	w_int(&w, info->nr_macs, 4);
	for (u32 i = 0; i < info->nr_macs; i++)
		for (int b = 0; b < 6; b++)
			w_int(&w, info->macs[i][b], 1);
	return w.over ? -1 : (long)w.len;
}

int ctl_info_decode(const u8 *p, size_t len, struct ctl_info *info)
{
	struct rbuf r = { .p = p, .len = len };

	memset(info, 0, sizeof(*info));
	info->pid = r_int(&r, 4);
	info->state = r_int(&r, 4);
	info->nr_vcpus = r_int(&r, 4);
	info->ram_size = r_int(&r, 8);
	info->uptime_ns = r_int(&r, 8);
	r_str(&r, info->name, CTL_NAME_MAX);
	r_str(&r, info->kernel, CTL_PATH_MAX);
	info->nr_macs = r_int(&r, 4);
	if (info->nr_macs > CTL_MAX_MACS) {
		r.err = true;
		info->nr_macs = 0;
	}
	for (u32 i = 0; i < info->nr_macs; i++)
		for (int b = 0; b < 6; b++)
			info->macs[i][b] = (u8)r_int(&r, 1);
	if (info->state > CTL_STATE_PAUSED)
		r.err = true;
	return r_done(&r) ? 0 : -EINVAL;
}

long ctl_fds_encode(u32 total, u32 n, const struct ctl_fd_entry *e, u8 *out, size_t cap)
{
	struct wbuf w = { .p = out, .cap = cap };

	if (n > CTL_MAX_FDS || n > total)
		return -1;
	w_int(&w, total, 4);
	w_int(&w, n, 4);
	for (u32 i = 0; i < n; i++) {
		w_int(&w, e[i].kind, 4);
		w_int(&w, e[i].index, 4);
	}
	return w.over ? -1 : (long)w.len;
}

int ctl_fds_decode(const u8 *p, size_t len, u32 *total, u32 *n, struct ctl_fd_entry *e)
{
	struct rbuf r = { .p = p, .len = len };

	*total = r_int(&r, 4);
	*n = r_int(&r, 4);
	if (r.err || *n > CTL_MAX_FDS || *n > *total)
		return -EINVAL;
	for (u32 i = 0; i < *n; i++) {
		e[i].kind = r_int(&r, 4);
		e[i].index = r_int(&r, 4);
		if (e[i].kind > CTL_FD_VCPU)
			r.err = true;
	}
	return r_done(&r) ? 0 : -EINVAL;
}
