/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest payload runtime: what a payload's main() may call. The runtime
 * boots from a multiboot v1 loader (lkvm or QEMU -kernel), switches to long
 * mode with an identity map of 0-4 GiB (2 MiB pages, user-accessible), and
 * calls main() at CPL0 on the BSP. main()'s return value is passed to exit().
 *
 * Exit convention (as kvm-unit-tests and QEMU's isa-debug-exit): exit(V)
 * writes V to the debug-exit port 0xf4 (4 bytes); the VMM ends with status
 * (V << 1) | 1. So exit(0), the pass, is status 1; exit(5) is status 11.
 *
 * Cost note: on PVM hosts every CPL0 instruction is emulated (~700 ns);
 * hot loops belong in run_user() (CPL3 runs natively there).
 */
#ifndef GUEST_RT_H
#define GUEST_RT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "multiboot.h"

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

#define DEBUG_EXIT_PORT 0xf4	/* QEMU isa-debug-exit default, iosize 4 */
#define COM1 0x3f8

/* Exit code used by the runtime for an unexpected exception (status 255). */
#define EXIT_EXCEPTION 0x7f

/* The payload's entry: called on the BSP at CPL0. Returns its exit code. */
int main(struct mb_info *mbi);

/* Multiboot information the loader gave (EBX at entry). */
extern struct mb_info *mb_info;

/* Port I/O (Intel SDM vol. 1 section 19.2). Allowed at CPL3 in run_user(). */
static inline u8 inb(u16 port)
{
	u8 v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u16 inw(u16 port)
{
	u16 v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u32 inl(u16 port)
{
	u32 v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(u16 port, u16 v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(u16 port, u32 v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

/* CPUID leaf @leaf, subleaf @sub into r[0..3] = EAX, EBX, ECX, EDX.
 * On PVM hosts this returns the host's values, not what the VMM set. */
static inline void cpuid(u32 leaf, u32 sub, u32 r[4])
{
	asm volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
		     : "a"(leaf), "c"(sub));
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}

static inline void cpu_relax(void)
{
	asm volatile("pause" ::: "memory");
}

/* 32-bit MMIO access (the local APIC, 0xFEE00000, is mapped uncached by the VMM). */
static inline u32 mmio_read32(u64 addr)
{
	return *(volatile u32 *)addr;
}

static inline void mmio_write32(u64 addr, u32 v)
{
	*(volatile u32 *)addr = v;
}

/* Serial console on COM1, polled (16550 LSR.THRE). "\n" is sent as "\r\n". */
void putchar(int c);
void puts(const char *s);	/* no newline added */
/* printf: %d %i %u %x %p %s %c %%, with 'l'/'ll'/'z', '0' and a width. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
/* Serialise printf between CPUs (a spinlock); payloads on APs use these. */
void console_lock(void);
void console_unlock(void);

/* exit - write @code to the debug-exit port; if nothing ends the VM, stop
 * the CPU for good (cli; hlt). */
void exit(u32 code) __attribute__((noreturn));

/*
 * run_user - call @fn(@arg) at CPL3 on a user stack, with every I/O port
 * allowed (TSS I/O bitmap, and IOPL=3 where the host keeps it), and come
 * back to CPL0 through a #UD at a known address (trap.S says why).
 * Returns @fn's value. BSP only, not reentrant. All memory is
 * user-accessible; @fn must not use privileged instructions.
 */
long run_user(long (*fn)(long), long arg);

/* Command line (the loader's, first word = the image name as GRUB and QEMU
 * give it). cmdline_args: the rest, after the first word ("" if none). */
/* runtime/nmi.c: IDT vector 2 adds 1 to nmi_count (lkvm debug --nmi). */
extern volatile u64 nmi_count;
void nmi_counter_install(void);

const char *cmdline_args(void);
/* cmdline_value - value of the first "key=value" word, or NULL. Copies at
 * most @len - 1 bytes into @buf. */
const char *cmdline_value(const char *key, char *buf, size_t len);
/* cmdline_num - "key=N" as a number (decimal or 0x hex), or @def. */
u64 cmdline_num(const char *key, u64 def);

/* Freestanding string helpers (the compiler may also emit memcpy/memset). */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);
u64 strtou64(const char *s, const char **end);

#endif
