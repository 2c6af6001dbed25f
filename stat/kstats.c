// SPDX-License-Identifier: GPL-2.0
/*
 * KVM binary statistics reader (see stat/kstats.h). Source:
 * Documentation/virt/kvm/api.rst, "KVM_GET_STATS_FD".
 */
#include <errno.h>
#include <stdio.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stat/kstats.h"

#define HDR_SIZE	24	/* struct kvm_stats_header: six u32 */
#define DESC_SIZE	16	/* struct kvm_stats_desc without its name */

static int pread_full(int fd, void *buf, size_t len, off_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (u8 *)buf + done, len - done, off + (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

int kstats_open(struct kstats_fd *k, int fd, u32 obj, char *err, size_t errlen)
{
	u8 hdr[HDR_SIZE];
	u32 name_size, num_desc, desc_offset, data_offset;
	size_t block;
	u8 *descs;
	u64 data_end = 0;

	memset(k, 0, sizeof(*k));
	if (pread_full(fd, hdr, sizeof(hdr), 0) < 0)
		return set_err(err, errlen, "stats fd: cannot read the header: %s",
			       errno ? strerror(errno) : "short read");
	name_size = get_le32(hdr + 4);
	num_desc = get_le32(hdr + 8);
	desc_offset = get_le32(hdr + 16);
	data_offset = get_le32(hdr + 20);
	if (name_size == 0 || name_size > KSTAT_NAME_MAX)
		return set_err(err, errlen, "stats fd: name size %u (1 to %d)", name_size,
			       KSTAT_NAME_MAX);
	if (num_desc > KSTAT_MAX_DESC)
		return set_err(err, errlen, "stats fd: %u descriptors (at most %d)", num_desc,
			       KSTAT_MAX_DESC);
	block = DESC_SIZE + name_size;
	descs = xmalloc(block * num_desc + 1);
	if (num_desc && pread_full(fd, descs, block * num_desc, desc_offset) < 0) {
		free(descs);
		return set_err(err, errlen, "stats fd: cannot read %u descriptors at %u", num_desc,
			       desc_offset);
	}
	k->d = xzalloc((num_desc ? num_desc : 1) * sizeof(*k->d));
	for (u32 i = 0; i < num_desc; i++) {
		const u8 *p = descs + i * block;
		struct kstat_desc *d = &k->d[i];
		u64 end;

		d->flags = get_le32(p);
		d->exponent = (s16)get_le16(p + 4);
		d->size = get_le16(p + 6);
		d->offset = get_le32(p + 8);
		if (!memchr(p + DESC_SIZE, 0, name_size)) {
			free(descs);
			kstats_close(k);
			return set_err(err, errlen, "stats fd: descriptor %u: name not terminated", i);
		}
		memcpy(d->name, p + DESC_SIZE, name_size);
		for (char *c = d->name; *c; c++)
			if (*c <= 0x20 || *c >= 0x7f)
				*c = '?';
		end = (u64)d->offset + (u64)d->size * 8;
		if (d->size == 0 || end > (u64)UINT32_MAX) {
			free(descs);
			kstats_close(k);
			return set_err(err, errlen, "stats fd: descriptor %u (%s): bad size %u at %u",
				       i, d->name, d->size, d->offset);
		}
		data_end = MAX(data_end, end);
	}
	free(descs);
	/* The values must be there: read them once now. */
	if (data_end > SZ_1M) {
		kstats_close(k);
		return set_err(err, errlen, "stats fd: %llu bytes of values (at most 1 MiB)",
			       (unsigned long long)data_end);
	}
	if (data_end) {
		u8 *probe = xmalloc(data_end);
		int r = pread_full(fd, probe, data_end, data_offset);

		free(probe);
		if (r < 0) {
			kstats_close(k);
			return set_err(err, errlen, "stats fd: the values (%llu bytes at %u) cannot be read",
				       (unsigned long long)data_end, data_offset);
		}
	}
	k->nr = num_desc;
	k->fd = fd;
	k->obj = obj;
	k->data_offset = data_offset;
	k->data_len = (u32)data_end;
	return 0;
}

void kstats_close(struct kstats_fd *k)
{
	free(k->d);
	memset(k, 0, sizeof(*k));
	k->fd = -1;
}

bool kstat_is_hist(u32 flags)
{
	u32 t = flags & KVM_STATS_TYPE_MASK;

	return t == KVM_STATS_TYPE_LINEAR_HIST || t == KVM_STATS_TYPE_LOG_HIST;
}

bool kstat_is_cumulative(u32 flags)
{
	return (flags & KVM_STATS_TYPE_MASK) == KVM_STATS_TYPE_CUMULATIVE || kstat_is_hist(flags);
}

int kstat_snap_take(const struct kstats_fd *k, int n, struct kstat_snap *s)
{
	u32 total = 0;

	memset(s, 0, sizeof(*s));
	s->ts = now_ns();
	for (int i = 0; i < n; i++)
		total += k[i].nr;
	s->v = xzalloc((total ? total : 1) * sizeof(*s->v));
	for (int i = 0; i < n; i++) {
		u8 *data = xmalloc(k[i].data_len ? k[i].data_len : 1);

		if (k[i].data_len && pread_full(k[i].fd, data, k[i].data_len, k[i].data_offset) < 0) {
			int e = errno ? errno : EIO;

			free(data);
			kstat_snap_free(s);
			errno = e;
			return -1;
		}
		for (u32 j = 0; j < k[i].nr; j++) {
			const struct kstat_desc *d = &k[i].d[j];
			struct kstat_val *v = &s->v[s->nr++];
			u64 sum = 0;

			v->obj = k[i].obj;
			v->flags = d->flags;
			memcpy(v->name, d->name, sizeof(v->name));
			if (kstat_is_hist(d->flags)) {
				for (u32 b = 0; b < d->size; b++)
					sum += get_le64(data + d->offset + b * 8);
			} else {
				sum = get_le64(data + d->offset);
			}
			v->value = sum;
		}
		free(data);
	}
	kstat_snap_index(s);
	return 0;
}

void kstat_snap_free(struct kstat_snap *s)
{
	free(s->v);
	free(s->slot);
	memset(s, 0, sizeof(*s));
}

/* FNV-1a over the object number and the name. */
static u32 kstat_hash(u32 obj, const char *name)
{
	u32 h = 2166136261u ^ obj;

	h *= 16777619u;
	for (const char *c = name; *c; c++) {
		h ^= (u8)*c;
		h *= 16777619u;
	}
	return h;
}

/* The slot holding (@obj, @name), or the empty slot where it would go. */
static u32 *kstat_slot(const struct kstat_snap *s, u32 obj, const char *name)
{
	u32 i = kstat_hash(obj, name) & s->mask;

	for (;; i = (i + 1) & s->mask) {
		u32 *sl = &s->slot[i];
		const struct kstat_val *v;

		if (!*sl)
			return sl;
		v = &s->v[*sl - 1];
		if (v->obj == obj && !strcmp(v->name, name))
			return sl;
	}
}

/* Allocate an empty table with at least twice @n slots. */
static void kstat_slots_alloc(struct kstat_snap *s, u32 n)
{
	u32 size = 16;

	while (size < 2 * (u64)n)
		size *= 2;
	free(s->slot);
	s->slot = xzalloc(size * sizeof(*s->slot));
	s->mask = size - 1;
}

/* Insert @s's values into its (empty, large enough) table. */
static void kstat_reindex(struct kstat_snap *s)
{
	for (u32 i = 0; i < s->nr; i++) {
		u32 *sl = kstat_slot(s, s->v[i].obj, s->v[i].name);

		if (!*sl)	/* the first of duplicates wins, as in a linear search */
			*sl = i + 1;
	}
}

void kstat_snap_index(struct kstat_snap *s)
{
	kstat_slots_alloc(s, s->nr);
	kstat_reindex(s);
}

const struct kstat_val *kstat_snap_find(const struct kstat_snap *s, u32 obj, const char *name)
{
	if (s->slot) {
		const u32 *sl = kstat_slot(s, obj, name);

		return *sl ? &s->v[*sl - 1] : NULL;
	}
	for (u32 i = 0; i < s->nr; i++)
		if (s->v[i].obj == obj && !strcmp(s->v[i].name, name))
			return &s->v[i];
	return NULL;
}

struct kstat_val *kstat_snap_add(struct kstat_snap *s, u32 cap, u32 obj, u32 flags,
				 const char *name)
{
	u32 *sl;
	struct kstat_val *v;

	if (!s->slot || 2 * (u64)cap > (u64)s->mask + 1)
		kstat_slots_alloc(s, cap), kstat_reindex(s);
	sl = kstat_slot(s, obj, name);
	if (*sl)
		return &s->v[*sl - 1];
	if (s->nr >= cap)
		return NULL;
	v = &s->v[s->nr];
	memset(v, 0, sizeof(*v));
	v->obj = obj;
	v->flags = flags;
	snprintf(v->name, sizeof(v->name), "%s", name);
	*sl = ++s->nr;
	return v;
}

static void put_le(u8 *p, u64 v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (u8)(v >> (8 * i));
}

size_t kstat_snap_size(const struct kstat_snap *s)
{
	size_t n = 12;

	for (u32 i = 0; i < s->nr; i++)
		n += 17 + strnlen(s->v[i].name, KSTAT_NAME_MAX - 1);
	return n;
}

long kstat_snap_encode(const struct kstat_snap *s, u8 *out, size_t cap)
{
	size_t o = 0;

	if (kstat_snap_size(s) > cap)
		return -1;
	put_le(out, s->ts, 8);
	put_le(out + 8, s->nr, 4);
	o = 12;
	for (u32 i = 0; i < s->nr; i++) {
		size_t nl = strnlen(s->v[i].name, KSTAT_NAME_MAX - 1);

		put_le(out + o, s->v[i].obj, 4);
		put_le(out + o + 4, s->v[i].flags, 4);
		out[o + 8] = (u8)nl;
		memcpy(out + o + 9, s->v[i].name, nl);
		o += 9 + nl;
		put_le(out + o, s->v[i].value, 8);
		o += 8;
	}
	return (long)o;
}

int kstat_snap_decode(const u8 *p, size_t len, struct kstat_snap *s, char *err, size_t errlen)
{
	size_t o = 12;
	u32 nr;

	memset(s, 0, sizeof(*s));
	if (len < 12)
		return set_err(err, errlen, "KVM stats: truncated header (%zu bytes)", len);
	s->ts = get_le64(p);
	nr = get_le32(p + 8);
	/* Each value takes at least 17 bytes: refuse counts the bytes cannot hold. */
	if (nr > (len - 12) / 17)
		return set_err(err, errlen, "KVM stats: %u values do not fit in %zu bytes", nr, len);
	s->v = xzalloc((nr ? nr : 1) * sizeof(*s->v));
	for (u32 i = 0; i < nr; i++) {
		struct kstat_val *v = &s->v[i];
		size_t nl;

		if (len - o < 9)
			goto trunc;
		v->obj = get_le32(p + o);
		v->flags = get_le32(p + o + 4);
		nl = p[o + 8];
		o += 9;
		if (nl >= KSTAT_NAME_MAX) {
			kstat_snap_free(s);
			return set_err(err, errlen, "KVM stats: value %u: name of %zu bytes", i, nl);
		}
		if (len - o < nl + 8)
			goto trunc;
		memcpy(v->name, p + o, nl);
		for (size_t c = 0; c < nl; c++)
			if (v->name[c] <= 0x20 || v->name[c] >= 0x7f) {
				kstat_snap_free(s);
				return set_err(err, errlen, "KVM stats: value %u: name not printable", i);
			}
		o += nl;
		v->value = get_le64(p + o);
		o += 8;
		s->nr++;
	}
	if (o != len) {
		kstat_snap_free(s);
		return set_err(err, errlen, "KVM stats: %zu trailing bytes", len - o);
	}
	kstat_snap_index(s);
	return 0;
trunc:
	kstat_snap_free(s);
	return set_err(err, errlen, "KVM stats: truncated at byte %zu", o);
}
