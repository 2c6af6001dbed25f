// SPDX-License-Identifier: GPL-2.0
/*
 * lkvm's own exit accounting: snapshot and codec (see hv/acct.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/acct.h"
#include "hv/kvm.h"

static u64 load(const u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void snap_bus(struct bus *bus, u8 kind, struct exit_acct *a)
{
	pthread_rwlock_rdlock(&bus->lock);
	for (int i = 0; i < bus->nr_ranges && a->nr_ranges < ACCT_MAX_RANGES; i++) {
		const struct bus_range *r = &bus->ranges[i];
		struct acct_range *o;

		a->range = xrealloc(a->range, (a->nr_ranges + 1) * sizeof(*a->range));
		o = &a->range[a->nr_ranges++];
		memset(o, 0, sizeof(*o));
		o->bus = kind;
		o->base = r->base;
		o->len = r->len;
		o->accesses = load(&r->nr_accesses);
		snprintf(o->name, sizeof(o->name), "%s", r->name ? r->name : "?");
	}
	pthread_rwlock_unlock(&bus->lock);
}

void exit_acct_snapshot(struct kvm *kvm, struct exit_acct *a)
{
	memset(a, 0, sizeof(*a));
	a->ts = now_ns();
	a->nr_vcpus = (u32)MIN(kvm->nr_vcpus, ACCT_MAX_VCPUS);
	a->vcpu = xzalloc((a->nr_vcpus ? a->nr_vcpus : 1) * sizeof(*a->vcpu));
	for (u32 i = 0; i < a->nr_vcpus; i++) {
		struct vcpu *v = &kvm->vcpus[i];
		struct acct_vcpu *o = &a->vcpu[i];

		o->index = i;
		o->nr_exits = load(&v->nr_exits);
		for (u32 r = 0; r < VCPU_EXIT_REASONS && r < ACCT_MAX_REASONS; r++) {
			u64 c = load(&v->exit_count[r]);

			if (!c)
				continue;
			o->r[o->nr++] = (struct acct_reason){
				.reason = r, .count = c, .ns = load(&v->exit_ns[r]),
			};
		}
	}
	snap_bus(&kvm->pio, ACCT_BUS_PIO, a);
	snap_bus(&kvm->mmio, ACCT_BUS_MMIO, a);
}

size_t exit_acct_size(const struct exit_acct *a)
{
	size_t n = 8 + 4 + 4;

	for (u32 i = 0; i < a->nr_vcpus; i++)
		n += 16 + (size_t)a->vcpu[i].nr * 20;
	for (u32 i = 0; i < a->nr_ranges; i++)
		n += 1 + 24 + 2 + strnlen(a->range[i].name, ACCT_NAME_MAX);
	return n;
}

static void put_le(u8 *p, u64 v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (u8)(v >> (8 * i));
}

long exit_acct_encode(const struct exit_acct *a, u8 *out, size_t cap)
{
	size_t need = exit_acct_size(a), o = 0;

	if (need > cap || need > (size_t)INT32_MAX)
		return -1;
	put_le(out + o, a->ts, 8), o += 8;
	put_le(out + o, a->nr_vcpus, 4), o += 4;
	for (u32 i = 0; i < a->nr_vcpus; i++) {
		const struct acct_vcpu *v = &a->vcpu[i];

		put_le(out + o, v->index, 4), o += 4;
		put_le(out + o, v->nr, 4), o += 4;
		put_le(out + o, v->nr_exits, 8), o += 8;
		for (u32 k = 0; k < v->nr; k++) {
			put_le(out + o, v->r[k].reason, 4), o += 4;
			put_le(out + o, v->r[k].count, 8), o += 8;
			put_le(out + o, v->r[k].ns, 8), o += 8;
		}
	}
	put_le(out + o, a->nr_ranges, 4), o += 4;
	for (u32 i = 0; i < a->nr_ranges; i++) {
		const struct acct_range *r = &a->range[i];
		size_t nl = strnlen(r->name, ACCT_NAME_MAX);

		out[o++] = r->bus;
		put_le(out + o, r->base, 8), o += 8;
		put_le(out + o, r->len, 8), o += 8;
		put_le(out + o, r->accesses, 8), o += 8;
		put_le(out + o, nl, 2), o += 2;
		memcpy(out + o, r->name, nl), o += nl;
	}
	return (long)o;
}

int exit_acct_decode(const u8 *p, size_t len, struct exit_acct *a, char *err, size_t errlen)
{
	size_t o = 0;

#define NEED(n, what) do { \
		if (len - o < (size_t)(n)) { \
			exit_acct_free(a); \
			return set_err(err, errlen, "accounting: truncated in %s at byte %zu", what, o); \
		} \
	} while (0)

	memset(a, 0, sizeof(*a));
	NEED(12, "header");
	a->ts = get_le64(p);
	a->nr_vcpus = get_le32(p + 8);
	o = 12;
	if (a->nr_vcpus > ACCT_MAX_VCPUS) {
		u32 n = a->nr_vcpus;

		a->nr_vcpus = 0;
		return set_err(err, errlen, "accounting: %u vCPUs (at most %u)", n, ACCT_MAX_VCPUS);
	}
	a->vcpu = xzalloc((a->nr_vcpus ? a->nr_vcpus : 1) * sizeof(*a->vcpu));
	for (u32 i = 0; i < a->nr_vcpus; i++) {
		struct acct_vcpu *v = &a->vcpu[i];

		NEED(16, "a vCPU header");
		v->index = get_le32(p + o);
		v->nr = get_le32(p + o + 4);
		v->nr_exits = get_le64(p + o + 8);
		o += 16;
		if (v->index >= ACCT_MAX_VCPUS || v->nr > ACCT_MAX_REASONS) {
			exit_acct_free(a);
			return set_err(err, errlen, "accounting: vCPU entry %u out of range", i);
		}
		for (u32 k = 0; k < i; k++)
			if (a->vcpu[k].index == v->index) {
				u32 index = v->index;	/* v is gone after the free */

				exit_acct_free(a);
				return set_err(err, errlen, "accounting: vCPU %u twice", index);
			}
		for (u32 k = 0; k < v->nr; k++) {
			NEED(20, "a reason");
			v->r[k].reason = get_le32(p + o);
			v->r[k].count = get_le64(p + o + 4);
			v->r[k].ns = get_le64(p + o + 12);
			o += 20;
			if (v->r[k].reason >= ACCT_MAX_REASONS) {
				u32 reason = v->r[k].reason;

				exit_acct_free(a);
				return set_err(err, errlen, "accounting: exit reason %u out of range",
					       reason);
			}
		}
	}
	NEED(4, "the range count");
	a->nr_ranges = get_le32(p + o);
	o += 4;
	if (a->nr_ranges > ACCT_MAX_RANGES) {
		u32 n = a->nr_ranges;

		a->nr_ranges = 0;
		exit_acct_free(a);
		return set_err(err, errlen, "accounting: %u ranges (at most %u)", n, ACCT_MAX_RANGES);
	}
	a->range = xzalloc((a->nr_ranges ? a->nr_ranges : 1) * sizeof(*a->range));
	for (u32 i = 0; i < a->nr_ranges; i++) {
		struct acct_range *r = &a->range[i];
		size_t nl;

		NEED(27, "a range");
		r->bus = p[o];
		r->base = get_le64(p + o + 1);
		r->len = get_le64(p + o + 9);
		r->accesses = get_le64(p + o + 17);
		nl = get_le16(p + o + 25);
		o += 27;
		if (r->bus > ACCT_BUS_MMIO) {
			u8 bus = r->bus;

			exit_acct_free(a);
			return set_err(err, errlen, "accounting: range %u on unknown bus %u", i, bus);
		}
		NEED(nl, "a range name");
		memcpy(r->name, p + o, MIN(nl, (size_t)ACCT_NAME_MAX));
		for (char *c = r->name; *c; c++)
			if (*c < 0x20 || *c == 0x7f)
				*c = '?';	/* no control characters on a terminal */
		o += nl;
	}
	if (o != len) {
		exit_acct_free(a);
		return set_err(err, errlen, "accounting: %zu trailing bytes", len - o);
	}
	return 0;
#undef NEED
}

void exit_acct_free(struct exit_acct *a)
{
	free(a->vcpu);
	free(a->range);
	memset(a, 0, sizeof(*a));
}
