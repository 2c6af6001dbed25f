/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lkvm stat's text report: the tables `lkvm stat`, `lkvm stat report` and
 * `lkvm stat top --batch` print, from whichever sources were available.
 * The columns are described in Documentation/lkvm-stat.txt.
 */
#ifndef LKVM_STAT_REPORT_H
#define LKVM_STAT_REPORT_H

#include <stdio.h>

#include "hv/acct.h"
#include "stat/agg.h"
#include "stat/kstats.h"

struct symtab;

/* Report sections (--event), as bits. */
#define RS_EXITS	(1u << 0)	/* exit reasons */
#define RS_USER		(1u << 1)	/* exits to userspace */
#define RS_PIO		(1u << 2)
#define RS_MMIO		(1u << 3)
#define RS_MSR		(1u << 4)
#define RS_CPUID	(1u << 5)
#define RS_FUNC		(1u << 6)	/* guest functions */
#define RS_STATS	(1u << 7)	/* KVM binary stats */
#define RS_LKVM		(1u << 8)	/* lkvm's own accounting and devices */
#define RS_ALL		0x1ffu

enum stat_sort { STAT_SORT_COUNT, STAT_SORT_TIME };

/* Everything one report prints. Pointers may be NULL for a source that
 * was not available; @notes are one-line reasons printed under the header. */
struct stat_view {
	const char *name;		/* guest name */
	int pid;
	u32 nr_vcpus;
	u32 flavour;			/* enum kvm_flavour */
	double seconds;			/* length of the measurement */
	const char *events_from;	/* "bpf: kvm_pio kvm_mmio ..." or NULL */
	const struct stat_agg *agg;	/* event tables, or NULL */
	const struct kstat_snap *ks0, *ks1;	/* KVM stats at start and end */
	const struct exit_acct *ac0, *ac1;	/* lkvm's accounting at start and end */
	const struct exit_acct *devices;	/* bus ranges naming ports and MMIO (else ac1's) */
	const struct symtab *sym;
	const char *sym_path;
	int vcpu;			/* -1: all vCPUs */
	enum stat_sort sort;
	u32 sections;			/* RS_* */
	int top;			/* rows per table (0: 10) */
	const char *notes[8];
	int nr_notes;
};

struct stat_recording;

/*
 * stat_view_from_recording - fill @v's guest, duration and data pointers
 * from the record file @r (stat/record.h), aggregating its events into
 * @agg (zeroed by the caller, freed with stat_agg_free()). @v keeps
 * pointers into @r and @agg. Leaves the caller's options (vcpu, sort,
 * events_from, symbols) alone.
 */
void stat_view_from_recording(struct stat_view *v, struct stat_recording *r,
			      struct stat_agg *agg);

/* stat_report_print - print @v's tables to @f. */
void stat_report_print(FILE *f, const struct stat_view *v);

/*
 * stat_report_sections - parse an --event list ("exits,pio", "all",
 * perf's "vmexit", "ioport" and "mmio" included) into RS_* bits.
 * Returns 0 with *@out set, or -1 for an unknown name (in *@bad).
 */
int stat_report_sections(const char *list, u32 *out, const char **bad);

/* stat_flavour_name - "VMX", "SVM", "PVM" or "unknown" for an enum kvm_flavour. */
const char *stat_flavour_name(u32 flavour);

/* stat_range_name - the name of the device range holding @addr on @bus
 * (ACCT_BUS_*) in @a, with *@base and *@len set; NULL if none or @a is NULL. */
const char *stat_range_name(const struct exit_acct *a, u8 bus, u64 addr, u64 *base, u64 *len);

#endif
