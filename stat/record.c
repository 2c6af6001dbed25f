// SPDX-License-Identifier: GPL-2.0
/*
 * lkvm stat record files: writer and reader (format in stat/record.h and
 * Documentation/lkvm-stat.txt).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stat/agg.h"
#include "stat/record.h"

#define EV_BATCH	1024	/* events per EVENTS record */

static void put_le(u8 *p, u64 v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (u8)(v >> (8 * i));
}

void stat_event_encode(u8 out[STAT_REC_EVENT_SIZE], const struct stat_event *ev)
{
	put_le(out, ev->ts, 8);
	put_le(out + 8, ev->vcpu, 4);
	put_le(out + 12, ev->type, 2);
	put_le(out + 14, ev->flags, 2);
	put_le(out + 16, ev->code, 4);
	put_le(out + 20, ev->size, 4);
	put_le(out + 24, ev->addr, 8);
	put_le(out + 32, ev->data, 8);
}

void stat_event_decode(const u8 in[STAT_REC_EVENT_SIZE], struct stat_event *ev)
{
	ev->ts = get_le64(in);
	ev->vcpu = get_le32(in + 8);
	ev->type = get_le16(in + 12);
	ev->flags = get_le16(in + 14);
	ev->code = get_le32(in + 16);
	ev->size = get_le32(in + 20);
	ev->addr = get_le64(in + 24);
	ev->data = get_le64(in + 32);
}

/* ---- writing ------------------------------------------------------------ */

static int w_bytes(struct stat_writer *w, const void *p, size_t n)
{
	if (w->error)
		return -1;
	if (n && fwrite(p, 1, n, w->f) != n) {
		w->error = errno ? errno : EIO;
		return -1;
	}
	return 0;
}

static int w_record(struct stat_writer *w, u16 type, const void *payload, size_t len)
{
	u8 h[8];

	if (len > STAT_REC_MAX_PAYLOAD) {
		if (!w->error)
			w->error = EFBIG;
		return -1;
	}
	put_le(h, type, 2);
	put_le(h + 2, 0, 2);
	put_le(h + 4, len, 4);
	if (w_bytes(w, h, sizeof(h)) < 0)
		return -1;
	return w_bytes(w, payload, len);
}

static size_t put_str(u8 *p, const char *s)
{
	size_t n = strnlen(s, STAT_REC_STR_MAX);

	put_le(p, n, 2);
	memcpy(p + 2, s, n);
	return 2 + n;
}

int stat_writer_open(struct stat_writer *w, const char *path,
		     const struct stat_rec_info *info, char *err, size_t errlen)
{
	u8 hdr[STAT_REC_HDR_SIZE];
	u8 *p = xmalloc(32 + 3 * (2 + STAT_REC_STR_MAX));
	size_t o;

	memset(w, 0, sizeof(*w));
	w->f = strcmp(path, "-") ? fopen(path, "wbe") : stdout;
	if (!w->f) {
		free(p);
		return set_err(err, errlen, "%s: %s", path, strerror(errno));
	}
	w->buf = xmalloc(EV_BATCH * STAT_REC_EVENT_SIZE);
	memcpy(hdr, STAT_REC_MAGIC, 8);
	put_le(hdr + 8, STAT_REC_VERSION, 2);
	put_le(hdr + 10, STAT_REC_HDR_SIZE, 2);
	put_le(hdr + 12, 0, 4);
	put_le(p, info->pid, 4);
	put_le(p + 4, info->nr_vcpus, 4);
	put_le(p + 8, info->flavour, 4);
	put_le(p + 12, info->sources, 4);
	put_le(p + 16, info->start_real_ns, 8);
	put_le(p + 24, info->start_ns, 8);
	o = 32;
	o += put_str(p + o, info->name);
	o += put_str(p + o, info->kernel);
	o += put_str(p + o, info->symbols);
	w_bytes(w, hdr, sizeof(hdr));
	w_record(w, REC_INFO, p, o);
	free(p);
	if (w->error)
		return set_err(err, errlen, "%s: %s", path, strerror(w->error));
	return 0;
}

static int flush_events(struct stat_writer *w)
{
	int ret = 0;

	if (w->len)
		ret = w_record(w, REC_EVENTS, w->buf, w->len);
	w->len = 0;
	return ret;
}

int stat_writer_event(struct stat_writer *w, const struct stat_event *ev)
{
	stat_event_encode(w->buf + w->len, ev);
	w->len += STAT_REC_EVENT_SIZE;
	w->nr_events++;
	if (w->len == EV_BATCH * STAT_REC_EVENT_SIZE)
		return flush_events(w);
	return w->error ? -1 : 0;
}

int stat_writer_lost(struct stat_writer *w, u32 vcpu, u64 lost)
{
	u8 p[16];

	flush_events(w);
	put_le(p, vcpu, 4);
	put_le(p + 4, 0, 4);
	put_le(p + 8, lost, 8);
	return w_record(w, REC_LOST, p, sizeof(p));
}

int stat_writer_kstats(struct stat_writer *w, u32 phase, const struct kstat_snap *s)
{
	size_t n = 4 + kstat_snap_size(s);
	u8 *p = xmalloc(n);
	int ret;

	flush_events(w);
	put_le(p, phase, 4);
	kstat_snap_encode(s, p + 4, n - 4);
	ret = w_record(w, REC_KSTATS, p, n);
	free(p);
	return ret;
}

int stat_writer_acct(struct stat_writer *w, u32 phase, const struct exit_acct *a)
{
	size_t n = 4 + exit_acct_size(a);
	u8 *p = xmalloc(n);
	int ret;

	flush_events(w);
	put_le(p, phase, 4);
	exit_acct_encode(a, p + 4, n - 4);
	ret = w_record(w, REC_ACCT, p, n);
	free(p);
	return ret;
}

int stat_writer_close(struct stat_writer *w, u64 duration_ns, char *err, size_t errlen)
{
	u8 p[16];
	int e;

	flush_events(w);
	put_le(p, duration_ns, 8);
	put_le(p + 8, w->nr_events, 8);
	w_record(w, REC_END, p, sizeof(p));
	if (w->f == stdout) {
		if (fflush(w->f) && !w->error)
			w->error = errno;
	} else if (fclose(w->f) && !w->error) {
		w->error = errno;
	}
	free(w->buf);
	e = w->error;
	memset(w, 0, sizeof(*w));
	if (e)
		return set_err(err, errlen, "cannot write the record file: %s", strerror(e));
	return 0;
}

/* ---- reading ------------------------------------------------------------ */

static int get_str(const u8 *p, size_t len, size_t *o, char *out, const char *what,
		   char *err, size_t errlen)
{
	size_t n;

	if (len - *o < 2)
		return set_err(err, errlen, "corrupt INFO record: no room for the %s", what);
	n = get_le16(p + *o);
	*o += 2;
	if (n > STAT_REC_STR_MAX || len - *o < n)
		return set_err(err, errlen, "corrupt INFO record: %s of %zu bytes", what, n);
	memcpy(out, p + *o, n);
	out[n] = '\0';
	if (strlen(out) != n)
		return set_err(err, errlen, "corrupt INFO record: NUL inside the %s", what);
	*o += n;
	return 0;
}

static int parse_info(const u8 *p, size_t len, struct stat_rec_info *info, char *err, size_t errlen)
{
	size_t o = 32;

	if (len < 32)
		return set_err(err, errlen, "corrupt INFO record: %zu bytes", len);
	info->pid = get_le32(p);
	info->nr_vcpus = get_le32(p + 4);
	info->flavour = get_le32(p + 8);
	info->sources = get_le32(p + 12);
	info->start_real_ns = get_le64(p + 16);
	info->start_ns = get_le64(p + 24);
	if (info->nr_vcpus > STAT_MAX_VCPUS)
		return set_err(err, errlen, "corrupt INFO record: %u vCPUs", info->nr_vcpus);
	if (get_str(p, len, &o, info->name, "guest name", err, errlen) < 0 ||
	    get_str(p, len, &o, info->kernel, "kernel path", err, errlen) < 0 ||
	    get_str(p, len, &o, info->symbols, "symbols path", err, errlen) < 0)
		return -1;
	for (char *c = info->name; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			*c = '?';
	return 0;
}

/* The parser proper; stat_recording_parse frees @r when it fails. */
static int parse(const u8 *buf, size_t len, struct stat_recording *r, char *err, size_t errlen)
{
	size_t o, cap = 0;
	bool have_info = false, have_end = false;
	u64 end_events = 0;
	char why[256];
	u16 version, hsize;

	memset(r, 0, sizeof(*r));
	if (len < 8 || memcmp(buf, STAT_REC_MAGIC, 8))
		return set_err(err, errlen, "not an lkvm stat record file (no \"%s\" magic)",
			       STAT_REC_MAGIC);
	if (len < STAT_REC_HDR_SIZE)
		return set_err(err, errlen, "truncated: the file header needs %d bytes, the file has %zu",
			       STAT_REC_HDR_SIZE, len);
	version = get_le16(buf + 8);
	hsize = get_le16(buf + 10);
	if (version != STAT_REC_VERSION)
		return set_err(err, errlen, "record file version %u; this lkvm reads version %d",
			       version, STAT_REC_VERSION);
	if (hsize < STAT_REC_HDR_SIZE || hsize > len || get_le32(buf + 12))
		return set_err(err, errlen, "corrupt file header (size %u, flags %#x)", hsize,
			       get_le32(buf + 12));
	for (o = hsize; o < len;) {
		u16 type, flags;
		u32 n;
		const u8 *p;

		if (have_end)
			return set_err(err, errlen, "corrupt: %zu bytes after the END record", len - o);
		if (len - o < 8)
			return set_err(err, errlen, "truncated at byte %zu: a record header needs 8 bytes, %zu left",
				       o, len - o);
		type = get_le16(buf + o);
		flags = get_le16(buf + o + 2);
		n = get_le32(buf + o + 4);
		if (flags)
			return set_err(err, errlen, "corrupt record at byte %zu: flags %#x", o, flags);
		if (n > STAT_REC_MAX_PAYLOAD)
			return set_err(err, errlen, "corrupt record at byte %zu: %u bytes (at most %llu)",
				       o, n, (unsigned long long)STAT_REC_MAX_PAYLOAD);
		if (len - o - 8 < n)
			return set_err(err, errlen, "truncated at byte %zu: a record of type %u needs %u bytes, %zu left",
				       o, type, n, len - o - 8);
		p = buf + o + 8;
		if (!have_info && type != REC_INFO)
			return set_err(err, errlen, "corrupt: the first record is type %u, not INFO", type);
		switch (type) {
		case REC_INFO:
			if (have_info)
				return set_err(err, errlen, "corrupt: a second INFO record at byte %zu", o);
			if (parse_info(p, n, &r->info, err, errlen) < 0)
				return -1;
			have_info = true;
			break;
		case REC_EVENTS:
			if (n % STAT_REC_EVENT_SIZE)
				return set_err(err, errlen,
					"corrupt EVENTS record at byte %zu: %u bytes is not a multiple of %d",
					o, n, STAT_REC_EVENT_SIZE);
			if (r->nr_ev + n / STAT_REC_EVENT_SIZE > cap) {
				cap = MAX(cap * 2, r->nr_ev + n / STAT_REC_EVENT_SIZE);
				r->ev = xrealloc(r->ev, cap * sizeof(*r->ev));
			}
			for (u32 i = 0; i < n; i += STAT_REC_EVENT_SIZE) {
				struct stat_event *ev = &r->ev[r->nr_ev];

				stat_event_decode(p + i, ev);
				if (ev->type == 0 || ev->type >= SEV_TYPE_MAX || ev->vcpu >= STAT_MAX_VCPUS) {
					set_err(err, errlen, "corrupt event at byte %zu: type %u, vCPU %u",
						o + 8 + i, ev->type, ev->vcpu);
					return -1;
				}
				r->nr_ev++;
			}
			break;
		case REC_LOST:
			if (n != 16) {
				set_err(err, errlen, "corrupt LOST record at byte %zu: %u bytes", o, n);
				return -1;
			}
			r->lost += get_le64(p + 8);
			break;
		case REC_KSTATS:
		case REC_ACCT: {
			u32 phase = n >= 4 ? get_le32(p) : 3;
			int ret;

			if (phase > (type == REC_ACCT ? 2u : 1u)) {
				set_err(err, errlen, "corrupt %s record at byte %zu: phase %u",
					type == REC_KSTATS ? "KSTATS" : "ACCT", o, phase);
				return -1;
			}
			if (type == REC_KSTATS) {
				kstat_snap_free(&r->kstats[phase]);
				ret = kstat_snap_decode(p + 4, n - 4, &r->kstats[phase], why, sizeof(why));
				r->have_kstats[phase] = ret == 0;
			} else {
				exit_acct_free(&r->acct[phase]);
				ret = exit_acct_decode(p + 4, n - 4, &r->acct[phase], why, sizeof(why));
				r->have_acct[phase] = ret == 0;
			}
			if (ret < 0) {
				set_err(err, errlen, "corrupt record at byte %zu: %s", o, why);
				return -1;
			}
			break;
		}
		case REC_END:
			if (n != 16) {
				set_err(err, errlen, "corrupt END record at byte %zu: %u bytes", o, n);
				return -1;
			}
			r->duration_ns = get_le64(p);
			end_events = get_le64(p + 8);
			have_end = true;
			break;
		default:
			break;	/* a later version's record: skip it */
		}
		o += 8 + n;
	}
	if (!have_info)
		return set_err(err, errlen, "truncated: no INFO record");
	if (!have_end)
		return set_err(err, errlen, "truncated: no END record (the recording was cut short at byte %zu)", len);
	if (end_events != r->nr_ev)
		return set_err(err, errlen, "corrupt: the END record counts %llu events, the file holds %zu",
			       (unsigned long long)end_events, r->nr_ev);
	return 0;
}

int stat_recording_parse(const u8 *buf, size_t len, struct stat_recording *r,
			 char *err, size_t errlen)
{
	if (parse(buf, len, r, err, errlen) == 0)
		return 0;
	stat_recording_free(r);
	return -1;
}

int stat_recording_read(const char *path, struct stat_recording *r, char *err, size_t errlen)
{
	size_t len;
	u8 *buf = read_file(path, &len);
	char why[512];
	int ret;

	memset(r, 0, sizeof(*r));
	if (!buf)
		return set_err(err, errlen, "%s: %s", path, strerror(errno));
	ret = stat_recording_parse(buf, len, r, why, sizeof(why));
	free(buf);
	if (ret < 0)
		return set_err(err, errlen, "%s: %s", path, why);
	return 0;
}

void stat_recording_free(struct stat_recording *r)
{
	free(r->ev);
	for (int i = 0; i < 2; i++)
		kstat_snap_free(&r->kstats[i]);
	for (int i = 0; i < 3; i++)
		exit_acct_free(&r->acct[i]);
	memset(r, 0, sizeof(*r));
}
