// SPDX-License-Identifier: GPL-2.0
/*
 * lkvm stat aggregation: hash tables of counters per vCPU and the latency
 * pairing of an event stream (see stat/agg.h for the rules).
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>

#include "stat/agg.h"

static u32 slot_of(u64 key, u32 nr_slots)
{
	/* Fibonacci hashing: multiply by 2^64 / golden ratio, keep top bits. */
	return (u32)((key * 0x9e3779b97f4a7c15ULL) >> 32) & (nr_slots - 1);
}

static void rehash(struct stat_table *t, u32 nr_slots)
{
	free(t->slots);
	t->slots = xzalloc(nr_slots * sizeof(*t->slots));
	t->nr_slots = nr_slots;
	for (u32 i = 0; i < t->nr; i++) {
		u32 s = slot_of(t->rows[i].key, nr_slots);

		while (t->slots[s])
			s = (s + 1) & (nr_slots - 1);
		t->slots[s] = i + 1;
	}
}

const struct stat_row *stat_table_find(const struct stat_table *t, u64 key)
{
	u32 s;

	if (!t->nr_slots)
		return NULL;
	for (s = slot_of(key, t->nr_slots); t->slots[s]; s = (s + 1) & (t->nr_slots - 1))
		if (t->rows[t->slots[s] - 1].key == key)
			return &t->rows[t->slots[s] - 1];
	return NULL;
}

struct stat_row *stat_table_get(struct stat_table *t, u64 key)
{
	struct stat_row *r = (struct stat_row *)stat_table_find(t, key);
	u32 s;

	if (r)
		return r;
	if (t->nr == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->rows = xrealloc(t->rows, t->cap * sizeof(*t->rows));
	}
	/* Keep the load factor at or below one half. */
	if ((t->nr + 1) * 2 > t->nr_slots)
		rehash(t, t->nr_slots ? t->nr_slots * 2 : 32);
	r = &t->rows[t->nr];
	memset(r, 0, sizeof(*r));
	r->key = key;
	for (s = slot_of(key, t->nr_slots); t->slots[s]; s = (s + 1) & (t->nr_slots - 1))
		;
	t->slots[s] = ++t->nr;
	return r;
}

struct hist *stat_row_lat(struct stat_row *r)
{
	if (!r->lat)
		r->lat = xzalloc(sizeof(*r->lat));
	return r->lat;
}

void stat_table_free(struct stat_table *t)
{
	for (u32 i = 0; i < t->nr; i++)
		free(t->rows[i].lat);
	free(t->rows);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

struct stat_vcpu *stat_agg_vcpu(struct stat_agg *a, u32 idx)
{
	if (idx >= STAT_MAX_VCPUS)
		return NULL;
	if (idx >= a->nr_vcpus) {
		a->vcpu = xrealloc(a->vcpu, (idx + 1) * sizeof(*a->vcpu));
		memset(&a->vcpu[a->nr_vcpus], 0, (idx + 1 - a->nr_vcpus) * sizeof(*a->vcpu));
		a->nr_vcpus = idx + 1;
	}
	a->vcpu[idx].seen = true;
	return &a->vcpu[idx];
}

u32 stat_user_ev_reason(u32 kvm_exit_reason)
{
	switch (kvm_exit_reason) {
	case KVM_EXIT_IO:
		return STAT_EV_IO;
	case KVM_EXIT_MMIO:
		return STAT_EV_MMIO;
	case KVM_EXIT_X86_RDMSR:
		return STAT_EV_MSR_READ;
	case KVM_EXIT_X86_WRMSR:
		return STAT_EV_MSR_WRITE;
	}
	return 0;
}

static void count(struct stat_vcpu *v, enum stat_tab tab, u64 key, int dir)
{
	struct stat_row *r = stat_table_get(&v->t[tab], key);

	r->count++;
	if (dir > 0)
		r->writes++;
	else if (dir == 0)
		r->reads++;
}

static void add_lat(struct stat_vcpu *v, u64 key, u64 ns)
{
	hist_add(stat_row_lat(stat_table_get(&v->t[ST_REASON], key)), ns);
}

/* A pio/mmio/msr event: the candidate for the next exit to the VMM. */
static void open_ev(struct stat_pairing *p, u64 ts, u32 reason)
{
	p->ev_ts = ts;
	p->ev_key = STAT_KEY(STAT_CLS_EV, reason);
	p->ev_user = 0;
}

int stat_agg_event(struct stat_agg *a, const struct stat_event *ev)
{
	struct stat_vcpu *v;
	struct stat_pairing *p;
	int dir = ev->flags & SEV_F_WRITE ? 1 : 0;
	u32 r;

	if (ev->type == 0 || ev->type >= SEV_TYPE_MAX)
		return -1;
	v = stat_agg_vcpu(a, ev->vcpu);
	if (!v)
		return -1;
	p = &v->p;
	if (!a->nr_events || ev->ts < a->first_ts)
		a->first_ts = ev->ts;
	if (ev->ts > a->last_ts)
		a->last_ts = ev->ts;
	a->nr_events++;

	switch (ev->type) {
	case SEV_EXIT:
		p->exit_key = STAT_KEY(ev->size == 2 ? STAT_CLS_SVM : STAT_CLS_VMX, ev->code);
		p->exit_ts = ev->ts;
		count(v, ST_REASON, p->exit_key, -1);
		count(v, ST_RIP, ev->addr, stat_reason_async(p->exit_key) ? 1 : -1);
		a->have_hw = true;
		break;
	case SEV_ENTRY:
		if (p->exit_ts && ev->ts >= p->exit_ts)
			add_lat(v, p->exit_key, ev->ts - p->exit_ts);
		p->exit_ts = 0;
		break;
	case SEV_PIO:
		count(v, ST_REASON, STAT_KEY(STAT_CLS_EV, STAT_EV_IO), -1);
		count(v, ST_PIO, ev->code & 0xffff, dir);
		open_ev(p, ev->ts, STAT_EV_IO);
		break;
	case SEV_MMIO:
		if (ev->code == SEV_MMIO_UNSATISFIED_READ) {
			/* Counted when the read completes (SEV_MMIO_READ). */
			open_ev(p, ev->ts, STAT_EV_MMIO);
			break;
		}
		dir = ev->code == SEV_MMIO_WRITE ? 1 : 0;
		count(v, ST_REASON, STAT_KEY(STAT_CLS_EV, STAT_EV_MMIO), -1);
		count(v, ST_MMIO, ev->addr, dir);
		if (dir)
			open_ev(p, ev->ts, STAT_EV_MMIO);
		break;
	case SEV_MSR:
		r = dir ? STAT_EV_MSR_WRITE : STAT_EV_MSR_READ;
		count(v, ST_REASON, STAT_KEY(STAT_CLS_EV, r), -1);
		count(v, ST_MSR, ev->code, dir);
		open_ev(p, ev->ts, r);
		break;
	case SEV_CPUID:
		count(v, ST_REASON, STAT_KEY(STAT_CLS_EV, STAT_EV_CPUID), -1);
		count(v, ST_CPUID, ev->code, -1);
		p->ev_ts = 0;
		break;
	case SEV_EMULATE:
		count(v, ST_REASON, STAT_KEY(STAT_CLS_EV, STAT_EV_EMULATE), -1);
		if (!a->have_hw)
			count(v, ST_RIP, ev->addr, -1);
		break;
	case SEV_USER_EXIT:
		if ((s32)ev->data < 0) {
			/* EINTR and EAGAIN by name; other errors as one row. */
			r = (s32)ev->data == -4 || (s32)ev->data == -11 ?
			    STAT_USER_ERR | (u32)-(s32)ev->data : STAT_USER_ERR;
		} else if (ev->code >= 64) {
			r = STAT_USER_ERR;	/* beyond KVM_EXIT_* as lkvm knows them */
		} else {
			r = ev->code;
			/* The pending event's exit is this one. */
			if (p->ev_ts && stat_user_ev_reason(r) == STAT_KEY_CODE(p->ev_key))
				p->ev_user = r;
		}
		p->user_key = STAT_KEY(STAT_CLS_USER, r);
		p->user_ts = ev->ts;
		count(v, ST_REASON, p->user_key, -1);
		break;
	case SEV_RUN:
		if (p->user_ts && ev->ts >= p->user_ts)
			add_lat(v, p->user_key, ev->ts - p->user_ts);
		if (p->ev_user && p->ev_ts && ev->ts >= p->ev_ts)
			add_lat(v, p->ev_key, ev->ts - p->ev_ts);
		p->user_ts = 0;
		p->ev_ts = 0;
		p->ev_user = 0;
		break;
	}
	return 0;
}

static void row_add(struct stat_table *dst, const struct stat_row *s)
{
	struct stat_row *d = stat_table_get(dst, s->key);

	d->count += s->count;
	d->reads += s->reads;
	d->writes += s->writes;
	if (s->lat && s->lat->count)
		hist_merge(stat_row_lat(d), s->lat);
}

void stat_vcpu_merge(struct stat_vcpu *dst, const struct stat_vcpu *src)
{
	for (int t = 0; t < ST_NR; t++)
		for (u32 i = 0; i < src->t[t].nr; i++)
			row_add(&dst->t[t], &src->t[t].rows[i]);
	dst->seen |= src->seen;
}

void stat_agg_total(const struct stat_agg *a, int only, struct stat_vcpu *out)
{
	memset(out, 0, sizeof(*out));
	for (u32 i = 0; i < a->nr_vcpus; i++)
		if (only < 0 || (u32)only == i)
			stat_vcpu_merge(out, &a->vcpu[i]);
}

void stat_vcpu_free(struct stat_vcpu *v)
{
	for (int t = 0; t < ST_NR; t++)
		stat_table_free(&v->t[t]);
}

static u64 sub0(u64 a, u64 b)
{
	return a > b ? a - b : 0;
}

void stat_agg_sub(struct stat_agg *out, const struct stat_agg *now,
		  const struct stat_agg *before)
{
	memset(out, 0, sizeof(*out));
	out->have_hw = now->have_hw;
	out->lost = sub0(now->lost, before->lost);
	out->nr_events = sub0(now->nr_events, before->nr_events);
	out->first_ts = before->last_ts;
	out->last_ts = now->last_ts;
	for (u32 i = 0; i < now->nr_vcpus; i++) {
		const struct stat_vcpu *nv = &now->vcpu[i];
		const struct stat_vcpu *bv = i < before->nr_vcpus ? &before->vcpu[i] : NULL;
		struct stat_vcpu *o;

		if (!nv->seen)
			continue;
		o = stat_agg_vcpu(out, i);
		for (int t = 0; t < ST_NR; t++) {
			for (u32 k = 0; k < nv->t[t].nr; k++) {
				const struct stat_row *n = &nv->t[t].rows[k];
				const struct stat_row *b = bv ? stat_table_find(&bv->t[t], n->key) : NULL;
				struct stat_row *r;
				struct hist zero;

				if (b && b->count == n->count && (!n->lat || !b->lat ||
								 n->lat->count == b->lat->count))
					continue;
				r = stat_table_get(&o->t[t], n->key);
				r->count = sub0(n->count, b ? b->count : 0);
				r->reads = sub0(n->reads, b ? b->reads : 0);
				r->writes = sub0(n->writes, b ? b->writes : 0);
				if (n->lat) {
					memset(&zero, 0, sizeof(zero));
					hist_sub(stat_row_lat(r), n->lat,
						 b && b->lat ? b->lat : &zero);
				}
			}
		}
	}
}

void stat_agg_copy(struct stat_agg *dst, const struct stat_agg *src)
{
	*dst = *src;
	dst->vcpu = NULL;
	dst->nr_vcpus = 0;
	for (u32 i = 0; i < src->nr_vcpus; i++) {
		struct stat_vcpu *d;

		if (!src->vcpu[i].seen)
			continue;
		d = stat_agg_vcpu(dst, i);
		stat_vcpu_merge(d, &src->vcpu[i]);
		d->p = src->vcpu[i].p;
	}
}

void stat_agg_free(struct stat_agg *a)
{
	for (u32 i = 0; i < a->nr_vcpus; i++)
		stat_vcpu_free(&a->vcpu[i]);
	free(a->vcpu);
	memset(a, 0, sizeof(*a));
}
