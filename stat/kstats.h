/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM binary statistics (lkvm stat source 3): parse the file a
 * KVM_GET_STATS_FD fd reads as (a header, an id string, descriptors, then
 * the values) and take snapshots of every counter of the VM and its vCPUs.
 * Source: Documentation/virt/kvm/api.rst, "KVM_GET_STATS_FD" (struct
 * kvm_stats_header, struct kvm_stats_desc, KVM_STATS_TYPE/UNIT/BASE_*).
 */
#ifndef LKVM_STAT_KSTATS_H
#define LKVM_STAT_KSTATS_H

#include "util/util.h"

#define KSTAT_NAME_MAX	48	/* bytes with the NUL (KVM_STATS_NAME_SIZE) */
#define KSTAT_MAX_DESC	4096	/* descriptors accepted per fd */
#define KSTAT_OBJ_VM	0	/* object numbers: 0 the VM, 1 + i vCPU i */

/* One descriptor, as lkvm stat needs it. */
struct kstat_desc {
	char name[KSTAT_NAME_MAX];
	u32 flags;		/* KVM_STATS_TYPE | UNIT | BASE */
	s16 exponent;
	u16 size;		/* values (u64) */
	u32 offset;		/* bytes from the data block */
};

/* A parsed stats fd. */
struct kstats_fd {
	int fd;
	u32 obj;		/* KSTAT_OBJ_VM or 1 + vCPU index */
	u32 nr;
	struct kstat_desc *d;
	u32 data_offset;	/* bytes from the start of the file */
	u32 data_len;		/* bytes of the data block the descriptors use */
};

/*
 * kstats_open - read and check the header and descriptors of stats fd
 * @fd (pread, so the file offset does not matter) for object @obj. The fd
 * stays owned by the caller. Returns 0 with @k filled (kstats_close), or
 * -1 with a one-line reason in @err: a short read, a name size of 0 or
 * above KSTAT_NAME_MAX, too many descriptors, overlapping or out-of-range
 * offsets, an unterminated name, a value size of 0.
 */
int kstats_open(struct kstats_fd *k, int fd, u32 obj, char *err, size_t errlen);

/* kstats_close - release @k's descriptors (not the fd). */
void kstats_close(struct kstats_fd *k);

/* One value of a snapshot. Histograms are summed into one count. */
struct kstat_val {
	u32 obj;
	u32 flags;
	char name[KSTAT_NAME_MAX];
	u64 value;
};

/* Every value of a set of stats fds at one time. */
struct kstat_snap {
	u64 ts;			/* ns, CLOCK_MONOTONIC */
	u32 nr;
	struct kstat_val *v;
	u32 *slot;		/* hash of (obj, name): 1 + index into v, 0 empty; or NULL */
	u32 mask;		/* slots - 1 */
};

/*
 * kstat_snap_take - read every value of the @n fds in @k into @s
 * (allocated; kstat_snap_free). A histogram's buckets are summed; a
 * scalar is its first u64. Returns 0, or -1 with errno if a read fails.
 */
int kstat_snap_take(const struct kstats_fd *k, int n, struct kstat_snap *s);

/* kstat_snap_free - release @s and zero it. */
void kstat_snap_free(struct kstat_snap *s);

/*
 * kstat_snap_find - the first value of @name for object @obj in @s, or
 * NULL. O(1) once @s is indexed (kstat_snap_take and kstat_snap_decode
 * index what they return), a linear search otherwise.
 */
const struct kstat_val *kstat_snap_find(const struct kstat_snap *s, u32 obj, const char *name);

/*
 * kstat_snap_index - (re)build @s's hash of its @s->nr values, so that
 * kstat_snap_find is O(1). Call again after changing @s->v or @s->nr.
 */
void kstat_snap_index(struct kstat_snap *s);

/*
 * kstat_snap_add - the value of (@obj, @name) in indexed @s, appended with
 * @flags and a value of 0 if it is not there yet. @s->v must have room:
 * @cap values in all (the caller allocated them). Returns NULL when full.
 */
struct kstat_val *kstat_snap_add(struct kstat_snap *s, u32 cap, u32 obj, u32 flags,
				 const char *name);

/*
 * Snapshot codec for record files (little endian):
 *   u64 ts, u32 nr, nr x { u32 obj, u32 flags, u8 name length, name, u64 value }
 * kstat_snap_encode returns the size written or -1 if @cap is too small;
 * kstat_snap_size the size it needs; kstat_snap_decode returns 0 or -1 with
 * @err set (truncated, trailing bytes, a name too long or not printable,
 * more than KSTAT_MAX_DESC * (1 + 1024) values).
 */
size_t kstat_snap_size(const struct kstat_snap *s);
long kstat_snap_encode(const struct kstat_snap *s, u8 *out, size_t cap);
int kstat_snap_decode(const u8 *p, size_t len, struct kstat_snap *s, char *err, size_t errlen);

/* kstat_is_hist - true for a LINEAR_HIST or LOG_HIST descriptor's flags. */
bool kstat_is_hist(u32 flags);
/* kstat_is_cumulative - true for a CUMULATIVE descriptor: deltas make sense. */
bool kstat_is_cumulative(u32 flags);

#endif
