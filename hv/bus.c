// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "hv/bus.h"
#include "util/log.h"

void bus_init(struct bus *bus, const char *name)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
	pthread_rwlock_init(&bus->lock, NULL);
}

void bus_exit(struct bus *bus)
{
	free(bus->ranges);
	bus->ranges = NULL;
	bus->nr_ranges = bus->cap = 0;
	pthread_rwlock_destroy(&bus->lock);
}

/* Index of the first range whose end is above @addr (binary search). */
static int bus_lower_bound(const struct bus *bus, u64 addr)
{
	int lo = 0, hi = bus->nr_ranges;

	while (lo < hi) {
		int mid = (lo + hi) / 2;
		const struct bus_range *r = &bus->ranges[mid];

		if (r->base + r->len <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int bus_register(struct bus *bus, u64 base, u64 len, const char *name,
		 bus_access_fn access, void *opaque)
{
	int i, ret = -1;

	if (!len || base + len < base) {
		pr_err("%s bus: %s: bad range %#llx+%#llx", bus->name, name,
		       (unsigned long long)base, (unsigned long long)len);
		return -1;
	}
	pthread_rwlock_wrlock(&bus->lock);
	i = bus_lower_bound(bus, base);
	if (i < bus->nr_ranges && bus->ranges[i].base < base + len) {
		pr_err("%s bus: %s at %#llx overlaps %s at %#llx", bus->name,
		       name, (unsigned long long)base, bus->ranges[i].name,
		       (unsigned long long)bus->ranges[i].base);
		goto out;
	}
	if (bus->nr_ranges == bus->cap) {
		bus->cap = bus->cap ? bus->cap * 2 : 16;
		bus->ranges = xrealloc(bus->ranges, bus->cap * sizeof(*bus->ranges));
	}
	memmove(&bus->ranges[i + 1], &bus->ranges[i],
		(bus->nr_ranges - i) * sizeof(*bus->ranges));
	bus->ranges[i] = (struct bus_range){
		.base = base, .len = len, .name = name,
		.access = access, .opaque = opaque,
	};
	bus->nr_ranges++;
	ret = 0;
out:
	pthread_rwlock_unlock(&bus->lock);
	return ret;
}

int bus_unregister(struct bus *bus, u64 base)
{
	int i, ret = -1;

	pthread_rwlock_wrlock(&bus->lock);
	i = bus_lower_bound(bus, base);
	if (i < bus->nr_ranges && bus->ranges[i].base == base) {
		memmove(&bus->ranges[i], &bus->ranges[i + 1],
			(bus->nr_ranges - i - 1) * sizeof(*bus->ranges));
		bus->nr_ranges--;
		ret = 0;
	}
	pthread_rwlock_unlock(&bus->lock);
	return ret;
}

bool bus_access(struct bus *bus, u64 addr, u8 *data, u32 len, bool is_write,
		struct vcpu *vcpu)
{
	struct bus_range *r;
	bool found = false;
	int i;

	pthread_rwlock_rdlock(&bus->lock);
	i = bus_lower_bound(bus, addr);
	if (i < bus->nr_ranges) {
		r = &bus->ranges[i];
		if (r->base <= addr && addr - r->base + len <= r->len) {
			__atomic_add_fetch(&r->nr_accesses, 1, __ATOMIC_RELAXED);
			r->access(r->opaque, addr - r->base, data, len, is_write, vcpu);
			found = true;
		}
	}
	pthread_rwlock_unlock(&bus->lock);
	if (!found && !is_write)
		memset(data, 0xff, len);
	return found;
}

void *bus_find_opaque(struct bus *bus, bus_access_fn access)
{
	void *opaque = NULL;

	pthread_rwlock_rdlock(&bus->lock);
	for (int i = 0; i < bus->nr_ranges && !opaque; i++)
		if (bus->ranges[i].access == access)
			opaque = bus->ranges[i].opaque;
	pthread_rwlock_unlock(&bus->lock);
	return opaque;
}
