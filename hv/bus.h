/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PIO and MMIO buses: devices register an address range with one access
 * callback; the vCPU loop finds the device that owns an exit's address.
 * Lookups take a read lock (vCPU threads run in parallel); registration
 * (at start-up, and later when a guest moves a PCI BAR) takes the write lock.
 */
#ifndef LKVM_BUS_H
#define LKVM_BUS_H

#include <pthread.h>

#include "util/util.h"

struct vcpu;

/*
 * bus_access_fn - one guest access to a registered range.
 * @dev_opaque: the device's private pointer given at registration;
 * @offset: byte offset of the access from the range's base;
 * @data: @len bytes (1, 2, 4 or 8) to write, or to fill on a read;
 * @is_write: direction; @vcpu: the vCPU that made the access, or NULL.
 * A read the device does not handle must still fill @data (all ones).
 */
typedef void (*bus_access_fn)(void *dev_opaque, u64 offset, u8 *data,
			      u32 len, bool is_write, struct vcpu *vcpu);

/* A registered range: [@base, @base + @len) owned by device @name. */
struct bus_range {
	u64 base;
	u64 len;
	const char *name;
	bus_access_fn access;
	void *opaque;
	u64 nr_accesses;	/* exits that reached this range (lkvm stat) */
};

/* A bus: ranges sorted by base, never overlapping. */
struct bus {
	const char *name;	/* "pio" or "mmio" */
	pthread_rwlock_t lock;
	struct bus_range *ranges;
	int nr_ranges;
	int cap;
};

void bus_init(struct bus *bus, const char *name);
void bus_exit(struct bus *bus);

/*
 * bus_register - claim [@base, @base + @len) for a device.
 * Returns 0, or -1 if @len is 0, the range wraps, or it overlaps a range
 * already registered (an error is logged naming both devices).
 */
int bus_register(struct bus *bus, u64 base, u64 len, const char *name,
		 bus_access_fn access, void *opaque);

/* bus_unregister - drop the range starting at @base. Returns 0 or -1. */
int bus_unregister(struct bus *bus, u64 base);

/*
 * bus_find_opaque - the opaque of the first range (lowest base) whose
 * handler is @access, or NULL: how a device's exit function finds its own
 * state, which struct kvm does not keep.
 */
void *bus_find_opaque(struct bus *bus, bus_access_fn access);

/*
 * bus_access - dispatch one access of @len bytes at @addr.
 * Returns true if a device owns the whole access; false if none does (a
 * read then returns all ones in @data, a write is dropped).
 */
bool bus_access(struct bus *bus, u64 addr, u8 *data, u32 len, bool is_write,
		struct vcpu *vcpu);

#endif
