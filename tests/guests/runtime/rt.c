// SPDX-License-Identifier: GPL-2.0
/*
 * Runtime start-up in long mode: the TSS and IDT a payload needs for
 * run_user() and for reporting exceptions, then main(), then exit().
 * Sources: Intel SDM vol. 3 section 6.14.1 (64-bit IDT gate descriptors),
 * 7.7 (64-bit TSS), 3.5 (system descriptor types).
 */
#include "asm.h"
#include "rt.h"

struct mb_info *mb_info;

/* 64-bit TSS (SDM vol. 3 figure 7-11); only RSP0 and the I/O map base matter. */
struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
	/* I/O permission bitmap, all ports allowed, and the 0xff end byte
	 * (SDM vol. 1 section 19.5.2). */
	u8 iomap[8192 + 1];
} __attribute__((packed));

/* 64-bit interrupt gate (SDM vol. 3 figure 6-8). */
struct idt_gate {
	u16 offset0;
	u16 selector;
	u8 ist;
	u8 type_attr;		/* P | DPL << 5 | 0xE (interrupt gate) */
	u16 offset1;
	u32 offset2;
	u32 reserved;
} __attribute__((packed));

/* What trap_common pushed, lowest address first, then the CPU's frame. */
struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;
};

extern u64 gdt_tss[2];
extern u8 trap_stubs[], trap_stack_top[];
extern void ud_entry(void);

static struct tss64 tss;
static struct idt_gate idt[256] __attribute__((aligned(16)));
static struct {
	u16 limit;
	u64 base;
} __attribute__((packed)) idt_ptr;

static void set_gate(int vec, void (*fn)(void), int dpl)
{
	u64 a = (u64)fn;

	idt[vec] = (struct idt_gate){
		.offset0 = (u16)a,
		.selector = SEL_CODE64,
		.type_attr = (u8)(0x80 | dpl << 5 | 0xe),
		.offset1 = (u16)(a >> 16),
		.offset2 = (u32)(a >> 32),
	};
}

/* Busy TSS type 0xB after LTR; written as available (0x9). */
static void setup_tss(void)
{
	u64 base = (u64)&tss, limit = sizeof(tss) - 1;

	tss.rsp[0] = (u64)trap_stack_top;
	tss.iomap_base = offsetof(struct tss64, iomap);
	tss.iomap[8192] = 0xff;
	gdt_tss[0] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 |
		     ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
	gdt_tss[1] = base >> 32;
	asm volatile("ltr %w0" : : "r"(SEL_TSS));
}

static void load_idt(void)
{
	asm volatile("lidt %0" : : "m"(idt_ptr));
}

static void setup_idt(void)
{
	for (int v = 0; v < 32; v++)
		set_gate(v, (void (*)(void))(trap_stubs + 16 * v), 0);
	set_gate(6, ud_entry, 0);	/* #UD: also run_user()'s way back */
	idt_ptr.limit = sizeof(idt) - 1;
	idt_ptr.base = (u64)idt;
	load_idt();
}

void trap_handler(struct trap_frame *f);
void trap_handler(struct trap_frame *f)
{
	printf("exception %lu error %#lx at rip %#lx cs %#lx rflags %#lx rsp %#lx\n",
	       f->vector, f->error, f->rip, f->cs, f->rflags, f->rsp);
	exit(EXIT_EXCEPTION);
}

void exit(u32 code)
{
	outl(DEBUG_EXIT_PORT, code);
	for (;;)
		asm volatile("cli; hlt");
}

void rt_start(u32 magic, u32 info);
void rt_start(u32 magic, u32 info)
{
	setup_tss();
	setup_idt();
	if (magic != MB_BOOT_MAGIC) {
		printf("not started by a multiboot loader: eax %#x\n", magic);
		exit(EXIT_EXCEPTION);
	}
	mb_info = (struct mb_info *)(u64)info;
	exit((u32)main(mb_info));
}

/* Payloads that start APs define ap_main(); others never see an AP. */
void ap_main(int slot) __attribute__((weak));
void ap_main(int slot)
{
	(void)slot;
}

void rt_ap_start(int slot);
void rt_ap_start(int slot)
{
	load_idt();
	ap_main(slot);
	for (;;)
		asm volatile("cli; hlt");
}
