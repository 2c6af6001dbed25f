/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lkvm's own exit accounting, exported for `lkvm stat` (its source 4):
 * per vCPU, how many exits of each KVM_EXIT_* reason reached lkvm and the
 * ns lkvm spent handling them (struct vcpu.exit_count/exit_ns), and per
 * PIO/MMIO bus range the device's name and how many exits reached it
 * (struct bus_range.nr_accesses). The snapshot is taken from a running
 * VM without stopping it and travels in the control protocol's EXIT_ACCT
 * reply and in lkvm stat record files, in the little-endian encoding
 * below (Documentation/control-protocol.txt, Documentation/lkvm-stat.txt).
 *
 *   u64 ts         CLOCK_MONOTONIC ns when the snapshot was taken
 *   u32 nr_vcpus
 *   nr_vcpus x {   u32 index, u32 n, u64 nr_exits,
 *                  n x { u32 reason (KVM_EXIT_*), u64 count, u64 ns } }
 *   u32 nr_ranges
 *   nr_ranges x {  u8 bus (0 PIO, 1 MMIO), u64 base, u64 len (bytes),
 *                  u64 accesses, u16 name length, name bytes (no NUL) }
 */
#ifndef LKVM_ACCT_H
#define LKVM_ACCT_H

#include "util/util.h"

struct kvm;

#define ACCT_NAME_MAX		63	/* device name bytes kept */
#define ACCT_MAX_VCPUS		1024
#define ACCT_MAX_RANGES		4096
#define ACCT_MAX_REASONS	64	/* == VCPU_EXIT_REASONS */

enum acct_bus { ACCT_BUS_PIO = 0, ACCT_BUS_MMIO = 1 };

/* One KVM_EXIT_* reason of one vCPU. */
struct acct_reason {
	u32 reason;
	u64 count;
	u64 ns;		/* lkvm's handling time, summed */
};

struct acct_vcpu {
	u32 index;
	u32 nr;		/* reasons with a non-zero count, ascending */
	u64 nr_exits;	/* every exit to userspace lkvm handled */
	struct acct_reason r[ACCT_MAX_REASONS];
};

/* A bus range and the exits that reached it. */
struct acct_range {
	u8 bus;		/* enum acct_bus */
	u64 base, len;
	u64 accesses;
	char name[ACCT_NAME_MAX + 1];
};

struct exit_acct {
	u64 ts;		/* ns, CLOCK_MONOTONIC */
	u32 nr_vcpus;
	struct acct_vcpu *vcpu;
	u32 nr_ranges;
	struct acct_range *range;
};

/*
 * exit_acct_snapshot - copy @kvm's counters into @a (allocated; free with
 * exit_acct_free). The vCPUs keep running: each counter is read once with
 * a relaxed load, so a snapshot is consistent per counter, not across them.
 * Bus ranges are read under the buses' read locks. Never fails.
 */
void exit_acct_snapshot(struct kvm *kvm, struct exit_acct *a);

/*
 * exit_acct_encode - @a in the encoding above into @out (@cap bytes).
 * Returns the size in bytes, or -1 if it does not fit.
 * exit_acct_size - the size exit_acct_encode needs for @a.
 */
long exit_acct_encode(const struct exit_acct *a, u8 *out, size_t cap);
size_t exit_acct_size(const struct exit_acct *a);

/*
 * exit_acct_decode - parse @len bytes at @p into @a (allocated). Every
 * count and length is checked against the bytes present and the limits
 * above. Returns 0, or -1 with a one-line reason in @err (truncated,
 * trailing bytes, too many vCPUs or ranges, a reason out of range, a
 * duplicate vCPU index, a bad bus).
 */
int exit_acct_decode(const u8 *p, size_t len, struct exit_acct *a, char *err, size_t errlen);

/* exit_acct_free - release @a's arrays and zero it. */
void exit_acct_free(struct exit_acct *a);

#endif
