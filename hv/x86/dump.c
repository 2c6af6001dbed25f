// SPDX-License-Identifier: GPL-2.0
/*
 * The register dump printed when a guest crashes or takes an exit lkvm cannot
 * handle: general, segment and control registers, decoded RFLAGS/CR0/CR4/EFER,
 * pending events, the bytes at RIP with their disassembly (capstone), and the
 * guest symbol of RIP.
 */
#include <capstone/capstone.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hv/kvm.h"
#include "hv/x86/emulate.h"
#include "util/log.h"
#include "util/symbols.h"

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

static void dump_seg(const char *name, const struct kvm_segment *s)
{
	log_raw("  %-3s sel %04x base %016llx limit %08x type %x dpl %u %s%s%s%s\n",
		name, s->selector, (unsigned long long)s->base, s->limit, s->type,
		s->dpl, s->present ? "P" : "-", s->l ? " L" : "", s->db ? " DB" : "",
		s->unusable ? " unusable" : "");
}

/* The symbol of @addr from the kernel's System.map or vmlinux, or "". */
static void symbolize(struct kvm *kvm, u64 addr, char *out, size_t size)
{
	static struct symtab *st;
	static bool tried;
	char err[256];
	const char *name;
	u64 off;

	out[0] = 0;
	if (!tried && kvm->symbols_path) {
		tried = true;
		st = symtab_load(kvm->symbols_path, err, sizeof(err));
		if (!st)
			pr_warn("symbols from %s: %s", kvm->symbols_path, err);
	}
	if (!st)
		return;
	name = symtab_lookup(st, addr, &off);
	if (name)
		snprintf(out, size, " <%s+%#llx>", name, (unsigned long long)off);
}

static void dump_code(struct vcpu *vcpu, const struct kvm_sregs *sregs, u64 rip)
{
	u8 bytes[15];
	char hex[64] = "", sym[160];
	int n = x86_fetch_insn(vcpu, bytes);
	cs_mode mode = sregs->cs.l ? CS_MODE_64 : sregs->cs.db ? CS_MODE_32 : CS_MODE_16;
	csh cs;
	cs_insn *insn;

	symbolize(vcpu->kvm, rip, sym, sizeof(sym));
	if (!n) {
		log_raw("  code at RIP %016llx%s: not readable\n", (unsigned long long)rip, sym);
		return;
	}
	for (int i = 0, o = 0; i < n; i++)
		o += snprintf(hex + o, sizeof(hex) - o, "%02x ", bytes[i]);
	log_raw("  code at RIP %016llx%s: %s\n", (unsigned long long)rip, sym, hex);
	if (cs_open(CS_ARCH_X86, mode, &cs) != CS_ERR_OK)
		return;
	if (cs_disasm(cs, bytes, n, rip, 1, &insn) == 1) {
		log_raw("  instruction: %s %s\n", insn->mnemonic, insn->op_str);
		cs_free(insn, 1);
	} else {
		log_raw("  instruction: (not decodable)\n");
	}
	cs_close(&cs);
}

void vcpu_dump(struct vcpu *vcpu)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	struct kvm_vcpu_events ev;
	struct kvm_mp_state mp;
	char b1[128], b2[128];

	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0 || ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0) {
		log_raw("vCPU %d: registers not readable\n", vcpu->id);
		return;
	}
	log_raw("vCPU %d registers:\n", vcpu->id);
	log_raw("  RIP %016llx  RSP %016llx  RFLAGS %016llx %s\n",
		(unsigned long long)r.rip, (unsigned long long)r.rsp,
		(unsigned long long)r.rflags, DECODE(b1, r.rflags, rflags_names));
	log_raw("  RAX %016llx  RBX %016llx  RCX %016llx  RDX %016llx\n",
		(unsigned long long)r.rax, (unsigned long long)r.rbx,
		(unsigned long long)r.rcx, (unsigned long long)r.rdx);
	log_raw("  RSI %016llx  RDI %016llx  RBP %016llx  R8  %016llx\n",
		(unsigned long long)r.rsi, (unsigned long long)r.rdi,
		(unsigned long long)r.rbp, (unsigned long long)r.r8);
	log_raw("  R9  %016llx  R10 %016llx  R11 %016llx  R12 %016llx\n",
		(unsigned long long)r.r9, (unsigned long long)r.r10,
		(unsigned long long)r.r11, (unsigned long long)r.r12);
	log_raw("  R13 %016llx  R14 %016llx  R15 %016llx\n",
		(unsigned long long)r.r13, (unsigned long long)r.r14, (unsigned long long)r.r15);
	log_raw("  CR0 %016llx %s\n", (unsigned long long)s.cr0, DECODE(b1, s.cr0, cr0_names));
	log_raw("  CR2 %016llx  CR3 %016llx  CR8 %016llx\n", (unsigned long long)s.cr2,
		(unsigned long long)s.cr3, (unsigned long long)s.cr8);
	log_raw("  CR4 %016llx %s\n", (unsigned long long)s.cr4, DECODE(b1, s.cr4, cr4_names));
	log_raw("  EFER %016llx %s  APIC base %016llx\n", (unsigned long long)s.efer,
		DECODE(b2, s.efer, efer_names), (unsigned long long)s.apic_base);
	dump_seg("CS", &s.cs);
	dump_seg("SS", &s.ss);
	dump_seg("DS", &s.ds);
	dump_seg("ES", &s.es);
	dump_seg("FS", &s.fs);
	dump_seg("GS", &s.gs);
	dump_seg("TR", &s.tr);
	log_raw("  GDT base %016llx limit %04x  IDT base %016llx limit %04x\n",
		(unsigned long long)s.gdt.base, s.gdt.limit,
		(unsigned long long)s.idt.base, s.idt.limit);
	if (ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev) == 0)
		log_raw("  events: exception %s nr %u%s, interrupt %s nr %u, NMI %s%s\n",
			ev.exception.injected ? "injected" : ev.exception.pending ? "pending" : "none",
			ev.exception.nr, ev.exception.has_error_code ? " (error code)" : "",
			ev.interrupt.injected ? "injected" : "none", ev.interrupt.nr,
			ev.nmi.injected ? "injected" : ev.nmi.pending ? "pending" : "none",
			ev.nmi.masked ? " (masked)" : "");
	if (ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp) == 0)
		log_raw("  mp_state %u\n", mp.mp_state);
	dump_code(vcpu, &s, s.cs.base + r.rip);
}
