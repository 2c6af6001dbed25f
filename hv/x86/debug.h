/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Looking inside a guest from the host: a walk of its 4- and 5-level page
 * tables through guest RAM (pure, testable on a fake guest_mem), reads of
 * guest virtual memory built on it, and the vCPU register dump used for
 * crashes and `lkvm debug`. Sources: Intel SDM vol. 3A chapter 4
 * (4.5 "4-level and 5-level paging", tables 4-15 to 4-20), AMD APM vol. 2
 * section 5.3; Documentation/virt/kvm/api.rst (KVM_GET_REGS/SREGS/EVENTS).
 */
#ifndef LKVM_X86_DEBUG_H
#define LKVM_X86_DEBUG_H

#include <stdio.h>

#include "hv/guest_mem.h"
#include "util/util.h"

struct kvm;
struct vcpu;
struct symtab;

/* Paging-structure entry bits (SDM vol. 3A table 4-15 ff.). */
#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_US		(1ULL << 2)
#define PTE_PWT		(1ULL << 3)
#define PTE_PCD		(1ULL << 4)
#define PTE_A		(1ULL << 5)
#define PTE_D		(1ULL << 6)
#define PTE_PS		(1ULL << 7)
#define PTE_G		(1ULL << 8)
#define PTE_XD		(1ULL << 63)
#define PTE_ADDR_MASK	0x000ffffffffff000ULL	/* bits 51:12 */

/* Control-register bits the walk depends on. */
#define X86_CR0_PG	(1ULL << 31)
#define X86_CR4_PAE	(1ULL << 5)
#define X86_CR4_LA57	(1ULL << 12)
#define X86_EFER_LMA	(1ULL << 10)
#define X86_EFER_NXE	(1ULL << 11)

/* The registers that select a vCPU's translation. */
struct x86_paging {
	u64 cr0, cr3, cr4, efer;
};

/* One step of a walk: the entry read at level @level (5 = PML5 ... 1 = PT). */
struct pt_level {
	int level;
	u64 table;		/* GPA of the table */
	unsigned int index;	/* entry index, 0..511 */
	u64 entry;		/* the entry's value (0 if not readable) */
	bool readable;		/* the entry lay in guest RAM */
};

/* The result of x86_pt_walk(). */
struct pt_walk {
	u64 gva;
	int levels;		/* 4 or 5; 0 when paging is off */
	int nr;			/* steps recorded in @lv */
	struct pt_level lv[5];
	bool ok;		/* @gpa is valid */
	u64 gpa;
	u64 page_size;		/* bytes: 4 KiB, 2 MiB or 1 GiB (0 if paging is off) */
	bool writable, user, nx;	/* combined over all levels */
	const char *fault;	/* why the walk stopped, when !@ok */
};

/*
 * x86_pt_walk - translate guest virtual address @gva as the CPU would with
 * @pg, reading the tables from @mem. Paging off: the GPA is @gva. Long mode
 * with CR4.LA57: 5 levels, else 4. 32-bit paging (legacy or PAE without
 * long mode) is not walked. Checks canonical form, present bits and the
 * reserved PS bit in PML5E/PML4E; 1 GiB (PDPTE.PS) and 2 MiB (PDE.PS)
 * pages end the walk early. Never reads outside @mem (hostile tables).
 * Returns 0 with @w->gpa set, or -1 with @w->fault set; @w records every
 * entry read either way.
 */
int x86_pt_walk(const struct guest_mem *mem, const struct x86_paging *pg, u64 gva,
		struct pt_walk *w);

/*
 * x86_pt_walk_print - the walk @w as text on @fp: one line per level with
 * the table, index, entry value and its decoded bits, then the result.
 */
void x86_pt_walk_print(FILE *fp, const struct pt_walk *w);

/*
 * x86_gva_read - copy up to @len bytes of guest virtual memory at @gva
 * into @buf, page by page through x86_pt_walk(). Returns the bytes copied:
 * @len, or fewer if a page is not mapped or not RAM (the copy stops there).
 */
size_t x86_gva_read(const struct guest_mem *mem, const struct x86_paging *pg, u64 gva,
		    void *buf, size_t len);

/*
 * x86_vcpu_paging - read @vcpu's CR0, CR3, CR4 and EFER (KVM_GET_SREGS).
 * The vCPU must not be in KVM_RUN (paused, or the caller is its thread).
 * Returns 0 or -1 with errno set.
 */
int x86_vcpu_paging(struct vcpu *vcpu, struct x86_paging *pg);

/*
 * x86_guest_symbols - the guest's symbol table from kvm->symbols_path,
 * loaded on first use (a warning if it cannot be read). NULL if none.
 * Thread-safe.
 */
const struct symtab *x86_guest_symbols(struct kvm *kvm);

/*
 * x86_vcpu_dump - write @vcpu's state to @fp: general registers, RFLAGS,
 * CR0/CR4/EFER decoded, CR2/CR3/CR8, APIC base, segment and descriptor
 * table registers, debug registers, pending events, MP state, and the
 * bytes at RIP with their disassembly (capstone) and RIP's symbol in @st
 * (NULL: no symbols). The vCPU must not be in KVM_RUN.
 */
void x86_vcpu_dump(struct vcpu *vcpu, FILE *fp, const struct symtab *st);

#endif
