// SPDX-License-Identifier: GPL-2.0
/*
 * Page-table walks, guest virtual reads and the vCPU register dump.
 * Sources: Intel SDM vol. 3A sections 4.1.1, 4.5 (4-level and 5-level
 * paging, tables 4-15 to 4-20), 2.5 (CR0/CR4), 2.2.1 (EFER), 17.2 (DR6/DR7);
 * SDM vol. 1 section 3.4.3 (RFLAGS); Documentation/virt/kvm/api.rst.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hv/kvm.h"
#include "hv/x86/debug.h"
#include "hv/x86/disasm.h"
#include "hv/x86/emulate.h"
#include "util/log.h"
#include "util/symbols.h"

/* ---- page-table walk ---------------------------------------------------- */

static const char *const level_names[] = { "", "PT", "PD", "PDPT", "PML4", "PML5" };

/* True if @gva is canonical for @bits of linear address (48 or 57). */
static bool canonical(u64 gva, int bits)
{
	s64 shifted = (s64)(gva << (64 - bits)) >> (64 - bits);

	return (u64)shifted == gva;
}

int x86_pt_walk(const struct guest_mem *mem, const struct x86_paging *pg, u64 gva,
		struct pt_walk *w)
{
	bool nxe = pg->efer & X86_EFER_NXE;
	u64 table;

	memset(w, 0, sizeof(*w));
	w->gva = gva;
	if (!(pg->cr0 & X86_CR0_PG)) {
		w->ok = true;
		w->gpa = gva;
		w->writable = w->user = true;
		return 0;
	}
	if (!(pg->efer & X86_EFER_LMA) || !(pg->cr4 & X86_CR4_PAE)) {
		w->fault = "32-bit paging (not long mode): this walker knows 4- and 5-level tables only";
		return -1;
	}
	w->levels = (pg->cr4 & X86_CR4_LA57) ? 5 : 4;
	if (!canonical(gva, w->levels == 5 ? 57 : 48)) {
		w->fault = "address is not canonical";
		return -1;
	}
	w->writable = w->user = true;
	table = pg->cr3 & PTE_ADDR_MASK;
	for (int level = w->levels; level >= 1; level--) {
		struct pt_level *l = &w->lv[w->nr++];
		int shift = 12 + 9 * (level - 1);
		const u8 *p;

		l->level = level;
		l->table = table;
		l->index = (gva >> shift) & 511;
		p = gpa_to_hva(mem, table + 8 * l->index, 8);
		if (!p) {
			w->fault = "paging structure is not in guest RAM";
			return -1;
		}
		memcpy(&l->entry, p, 8);
		l->readable = true;
		if (!(l->entry & PTE_P)) {
			w->fault = "entry not present";
			return -1;
		}
		w->writable &= !!(l->entry & PTE_RW);
		w->user &= !!(l->entry & PTE_US);
		if (nxe && (l->entry & PTE_XD))
			w->nx = true;
		if (level >= 4 && (l->entry & PTE_PS)) {
			w->fault = "PS set in a PML5E/PML4E (reserved bit)";
			return -1;
		}
		if (level == 1 || (l->entry & PTE_PS)) {
			u64 size = 1ULL << shift;

			w->page_size = size;
			w->gpa = (l->entry & PTE_ADDR_MASK & ~(size - 1)) | (gva & (size - 1));
			w->ok = true;
			return 0;
		}
		table = l->entry & PTE_ADDR_MASK;
	}
	w->fault = "walk did not end";	/* not reached: level 1 always ends it */
	return -1;
}

static const char *size_name(u64 size)
{
	return size == SZ_1G ? "1 GiB" : size == SZ_2M ? "2 MiB" : "4 KiB";
}

void x86_pt_walk_print(FILE *fp, const struct pt_walk *w)
{
	fprintf(fp, "GVA %016llx: ", (unsigned long long)w->gva);
	if (!w->levels && w->ok) {
		fprintf(fp, "paging is off, GPA = GVA\n");
		return;
	}
	fprintf(fp, "%d-level paging\n", w->levels);
	for (int i = 0; i < w->nr; i++) {
		const struct pt_level *l = &w->lv[i];
		u64 e = l->entry;

		if (!l->readable) {
			fprintf(fp, "  %-4s[%3u] table %016llx: not guest RAM\n",
				level_names[l->level], l->index, (unsigned long long)l->table);
			continue;
		}
		fprintf(fp, "  %-4s[%3u] at %016llx = %016llx", level_names[l->level], l->index,
			(unsigned long long)(l->table + 8 * l->index), (unsigned long long)e);
		if (!(e & PTE_P)) {
			fprintf(fp, "  not present\n");
			continue;
		}
		fprintf(fp, "  P %s %s%s%s%s%s%s%s%s -> %016llx\n",
			e & PTE_RW ? "RW" : "RO", e & PTE_US ? "U" : "S",
			e & PTE_PWT ? " PWT" : "", e & PTE_PCD ? " PCD" : "",
			e & PTE_A ? " A" : "", e & PTE_D ? " D" : "",
			e & PTE_PS ? " PS" : "", e & PTE_G ? " G" : "",
			e & PTE_XD ? " XD" : "", (unsigned long long)(e & PTE_ADDR_MASK));
	}
	if (w->ok)
		fprintf(fp, "  => GPA %016llx (%s page, %s, %s, %s)\n",
			(unsigned long long)w->gpa, size_name(w->page_size),
			w->writable ? "writable" : "read-only",
			w->user ? "user" : "supervisor",
			w->nx ? "no-execute" : "executable");
	else
		fprintf(fp, "  => no translation: %s\n", w->fault);
}

size_t x86_gva_read(const struct guest_mem *mem, const struct x86_paging *pg, u64 gva,
		    void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		struct pt_walk w;
		u64 at = gva + done;
		size_t chunk = MIN(len - done, 4096 - (at & 4095));
		const void *p;

		if (x86_pt_walk(mem, pg, at, &w) < 0)
			break;
		p = gpa_to_hva(mem, w.gpa, chunk);
		if (!p)
			break;
		memcpy((u8 *)buf + done, p, chunk);
		done += chunk;
	}
	return done;
}

int x86_vcpu_paging(struct vcpu *vcpu, struct x86_paging *pg)
{
	struct kvm_sregs s;

	if (vcpu_ioctl(vcpu, KVM_GET_SREGS, &s) < 0)
		return -1;
	*pg = (struct x86_paging){ .cr0 = s.cr0, .cr3 = s.cr3, .cr4 = s.cr4, .efer = s.efer };
	return 0;
}

/* ---- symbols ------------------------------------------------------------ */

const struct symtab *x86_guest_symbols(struct kvm *kvm)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static struct symtab *st;
	static bool tried;
	const struct symtab *ret;

	pthread_mutex_lock(&lock);
	if (!tried && kvm->symbols_path) {
		char err[256];

		tried = true;
		st = symtab_load(kvm->symbols_path, err, sizeof(err));
		if (!st)
			pr_warn("symbols from %s: %s", kvm->symbols_path, err);
	}
	ret = st;
	pthread_mutex_unlock(&lock);
	return ret;
}

/* ---- register dump ------------------------------------------------------ */

struct flag_name {
	u64 bit;
	const char *name;
};

static const struct flag_name rflags_names[] = {
	{ 1 << 0, "CF" }, { 1 << 2, "PF" }, { 1 << 4, "AF" }, { 1 << 6, "ZF" },
	{ 1 << 7, "SF" }, { 1 << 8, "TF" }, { 1 << 9, "IF" }, { 1 << 10, "DF" },
	{ 1 << 11, "OF" }, { 1 << 14, "NT" }, { 1 << 16, "RF" }, { 1 << 17, "VM" },
	{ 1 << 18, "AC" }, { 1 << 19, "VIF" }, { 1 << 20, "VIP" }, { 1 << 21, "ID" },
};
static const struct flag_name cr0_names[] = {
	{ 1 << 0, "PE" }, { 1 << 1, "MP" }, { 1 << 2, "EM" }, { 1 << 3, "TS" },
	{ 1 << 4, "ET" }, { 1 << 5, "NE" }, { 1 << 16, "WP" }, { 1 << 18, "AM" },
	{ 1 << 29, "NW" }, { 1 << 30, "CD" }, { 1ULL << 31, "PG" },
};
static const struct flag_name cr4_names[] = {
	{ 1 << 0, "VME" }, { 1 << 1, "PVI" }, { 1 << 2, "TSD" }, { 1 << 3, "DE" },
	{ 1 << 4, "PSE" }, { 1 << 5, "PAE" }, { 1 << 6, "MCE" }, { 1 << 7, "PGE" },
	{ 1 << 8, "PCE" }, { 1 << 9, "OSFXSR" }, { 1 << 10, "OSXMMEXCPT" },
	{ 1 << 11, "UMIP" }, { 1 << 12, "LA57" }, { 1 << 13, "VMXE" },
	{ 1 << 16, "FSGSBASE" }, { 1 << 17, "PCIDE" }, { 1 << 18, "OSXSAVE" },
	{ 1 << 20, "SMEP" }, { 1 << 21, "SMAP" }, { 1 << 22, "PKE" },
};
static const struct flag_name efer_names[] = {
	{ 1 << 0, "SCE" }, { 1 << 8, "LME" }, { 1 << 10, "LMA" }, { 1 << 11, "NXE" },
	{ 1 << 12, "SVME" }, { 1 << 14, "FFXSR" },
};
static const struct flag_name apicbase_names[] = {
	{ 1 << 8, "BSP" }, { 1 << 10, "x2APIC" }, { 1 << 11, "enabled" },
};

/* "[PE ET PG]" for the bits of @v named in @names. */
static const char *decode(char *buf, size_t size, u64 v,
			  const struct flag_name *names, size_t n)
{
	size_t o = 0;

	o += snprintf(buf + o, size - o, "[");
	for (size_t i = 0; i < n && o < size; i++)
		if (v & names[i].bit)
			o += snprintf(buf + o, size - o, "%s%s", o > 1 ? " " : "", names[i].name);
	if (o < size)
		snprintf(buf + o, size - o, "]");
	return buf;
}

#define DECODE(buf, v, names) decode(buf, sizeof(buf), v, names, ARRAY_SIZE(names))

static void dump_seg(FILE *fp, const char *name, const struct kvm_segment *s)
{
	fprintf(fp, "  %-3s sel %04x base %016llx limit %08x type %x dpl %u %s%s%s%s\n",
		name, s->selector, (unsigned long long)s->base, s->limit, s->type,
		s->dpl, s->present ? "P" : "-", s->l ? " L" : "", s->db ? " DB" : "",
		s->unusable ? " unusable" : "");
}

static const char *mp_state_name(u32 s)
{
	static const char *const names[] = {
		[KVM_MP_STATE_RUNNABLE] = "runnable",
		[KVM_MP_STATE_UNINITIALIZED] = "uninitialized (waiting for INIT/SIPI)",
		[KVM_MP_STATE_INIT_RECEIVED] = "INIT received",
		[KVM_MP_STATE_HALTED] = "halted",
		[KVM_MP_STATE_SIPI_RECEIVED] = "SIPI received",
	};

	return s < ARRAY_SIZE(names) && names[s] ? names[s] : "other";
}

/* The symbol of @addr in @st as " <name+0xoff>", or "". */
static void symbolize(const struct symtab *st, u64 addr, char *out, size_t size)
{
	const char *name;
	u64 off;

	out[0] = 0;
	if (!st)
		return;
	name = symtab_lookup(st, addr, &off);
	if (name)
		snprintf(out, size, " <%s+%#llx>", name, (unsigned long long)off);
}

static void dump_code(FILE *fp, struct vcpu *vcpu, const struct kvm_sregs *s, u64 rip,
		      const struct symtab *st)
{
	struct x86_paging pg = { .cr0 = s->cr0, .cr3 = s->cr3, .cr4 = s->cr4, .efer = s->efer };
	u8 bytes[15];
	char hex[64] = "", sym[160];
	int n = (int)x86_gva_read(&vcpu->kvm->mem, &pg, rip, bytes, sizeof(bytes));
	int bits = s->cs.l ? 64 : s->cs.db ? 32 : 16;
	char insn[160];

	/* Our walk knows long mode only; KVM_TRANSLATE covers the rest. */
	if (!n)
		n = x86_fetch_insn(vcpu, bytes);
	symbolize(st, rip, sym, sizeof(sym));
	if (!n) {
		fprintf(fp, "  code at RIP %016llx%s: not readable\n", (unsigned long long)rip, sym);
		return;
	}
	for (int i = 0, o = 0; i < n; i++)
		o += snprintf(hex + o, sizeof(hex) - o, "%02x ", bytes[i]);
	fprintf(fp, "  code at RIP %016llx%s: %s\n", (unsigned long long)rip, sym, hex);
	x86_disasm_one(bytes, n, rip, bits, insn, sizeof(insn));
	fprintf(fp, "  instruction: %s\n", insn);
}

static void dump_events(FILE *fp, struct vcpu *vcpu)
{
	struct kvm_vcpu_events ev;
	struct kvm_mp_state mp;
	struct kvm_debugregs dr;

	if (vcpu_ioctl(vcpu, KVM_GET_VCPU_EVENTS, &ev) == 0)
		fprintf(fp, "  events: exception %s nr %u%s, interrupt %s nr %u%s, NMI %s%s%s\n",
			ev.exception.injected ? "injected" : ev.exception.pending ? "pending" : "none",
			ev.exception.nr, ev.exception.has_error_code ? " (error code)" : "",
			ev.interrupt.injected ? "injected" : "none", ev.interrupt.nr,
			ev.interrupt.shadow ? " (shadow)" : "",
			ev.nmi.injected ? "injected" : ev.nmi.pending ? "pending" : "none",
			ev.nmi.masked ? " (masked)" : "", ev.smi.smm ? ", in SMM" : "");
	if (vcpu_ioctl(vcpu, KVM_GET_MP_STATE, &mp) == 0)
		fprintf(fp, "  mp_state %u (%s)\n", mp.mp_state, mp_state_name(mp.mp_state));
	if (vcpu_ioctl(vcpu, KVM_GET_DEBUGREGS, &dr) == 0)
		fprintf(fp, "  DR0 %016llx  DR1 %016llx  DR2 %016llx  DR3 %016llx\n"
			"  DR6 %016llx  DR7 %016llx\n",
			(unsigned long long)dr.db[0], (unsigned long long)dr.db[1],
			(unsigned long long)dr.db[2], (unsigned long long)dr.db[3],
			(unsigned long long)dr.dr6, (unsigned long long)dr.dr7);
}

void x86_vcpu_dump(struct vcpu *vcpu, FILE *fp, const struct symtab *st)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	char b1[128], b2[128];

	if (vcpu_ioctl(vcpu, KVM_GET_REGS, &r) < 0 || vcpu_ioctl(vcpu, KVM_GET_SREGS, &s) < 0) {
		fprintf(fp, "vCPU %d: registers not readable: %s\n", vcpu->id, strerror(errno));
		return;
	}
	fprintf(fp, "vCPU %d registers (CPL %u, %s):\n", vcpu->id, s.cs.dpl,
		!(s.cr0 & 1) ? "real mode" : (s.efer & X86_EFER_LMA) ?
		(s.cs.l ? "64-bit mode" : "compatibility mode") : "protected mode");
	fprintf(fp, "  RIP %016llx  RSP %016llx  RFLAGS %016llx %s\n",
		(unsigned long long)r.rip, (unsigned long long)r.rsp,
		(unsigned long long)r.rflags, DECODE(b1, r.rflags, rflags_names));
	fprintf(fp, "  RAX %016llx  RBX %016llx  RCX %016llx  RDX %016llx\n",
		(unsigned long long)r.rax, (unsigned long long)r.rbx,
		(unsigned long long)r.rcx, (unsigned long long)r.rdx);
	fprintf(fp, "  RSI %016llx  RDI %016llx  RBP %016llx  R8  %016llx\n",
		(unsigned long long)r.rsi, (unsigned long long)r.rdi,
		(unsigned long long)r.rbp, (unsigned long long)r.r8);
	fprintf(fp, "  R9  %016llx  R10 %016llx  R11 %016llx  R12 %016llx\n",
		(unsigned long long)r.r9, (unsigned long long)r.r10,
		(unsigned long long)r.r11, (unsigned long long)r.r12);
	fprintf(fp, "  R13 %016llx  R14 %016llx  R15 %016llx\n",
		(unsigned long long)r.r13, (unsigned long long)r.r14, (unsigned long long)r.r15);
	fprintf(fp, "  CR0 %016llx %s\n", (unsigned long long)s.cr0, DECODE(b1, s.cr0, cr0_names));
	fprintf(fp, "  CR2 %016llx  CR3 %016llx  CR8 %016llx\n", (unsigned long long)s.cr2,
		(unsigned long long)s.cr3, (unsigned long long)s.cr8);
	fprintf(fp, "  CR4 %016llx %s\n", (unsigned long long)s.cr4, DECODE(b1, s.cr4, cr4_names));
	fprintf(fp, "  EFER %016llx %s  APIC base %016llx %s\n", (unsigned long long)s.efer,
		DECODE(b1, s.efer, efer_names), (unsigned long long)s.apic_base,
		DECODE(b2, s.apic_base, apicbase_names));
	dump_seg(fp, "CS", &s.cs);
	dump_seg(fp, "SS", &s.ss);
	dump_seg(fp, "DS", &s.ds);
	dump_seg(fp, "ES", &s.es);
	dump_seg(fp, "FS", &s.fs);
	dump_seg(fp, "GS", &s.gs);
	dump_seg(fp, "TR", &s.tr);
	dump_seg(fp, "LDT", &s.ldt);
	fprintf(fp, "  GDT base %016llx limit %04x  IDT base %016llx limit %04x\n",
		(unsigned long long)s.gdt.base, s.gdt.limit,
		(unsigned long long)s.idt.base, s.idt.limit);
	dump_events(fp, vcpu);
	/* In 64-bit mode the CS base is ignored (SDM vol. 3A 3.4.4). */
	dump_code(fp, vcpu, &s, s.cs.l && (s.efer & X86_EFER_LMA) ? r.rip : s.cs.base + r.rip, st);
}
