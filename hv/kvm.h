/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VM: /dev/kvm and VM fds, guest RAM, buses, vCPUs and the way the guest
 * (or the user) ends the run. Source: Documentation/virt/kvm/api.rst.
 */
#ifndef LKVM_KVM_H
#define LKVM_KVM_H

#include <linux/kvm.h>
#include <pthread.h>

#include "hv/bus.h"
#include "hv/config.h"
#include "hv/guest_mem.h"
#include "util/exit-status.h"
#include "hv/kvm-ioctl.h"


/* The host's KVM implementation, which decides the PVM quirks. */
enum kvm_flavour { KVM_FLAVOUR_UNKNOWN, KVM_FLAVOUR_VMX, KVM_FLAVOUR_SVM, KVM_FLAVOUR_PVM };

/* Why the run ended; set once by vm_request_exit(). */
enum vm_end {
	VM_END_NONE,
	VM_END_POWEROFF,
	VM_END_REBOOT,
	VM_END_PANIC,
	VM_END_CRASH,
	VM_END_USER,		/* Ctrl-A x, SIGTERM, SIGINT */
	VM_END_DEBUG_EXIT,	/* write to the debug-exit port */
	VM_END_ERROR,		/* lkvm itself failed */
};

struct kvm;

#define VCPU_EXIT_REASONS 64	/* KVM_EXIT_* values accounted; larger go to 0 */

/* One vCPU: its fd, the mmap'ed kvm_run, and the thread that runs it. */
struct vcpu {
	struct kvm *kvm;
	int id;			/* vCPU index == APIC ID */
	int fd;
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;
	u64 nr_exits;		/* exits to userspace handled */
	u64 nr_emulated;	/* instructions lkvm finished for KVM (PVM) */
	/* lkvm's own accounting per KVM_EXIT_* reason (lkvm stat source 4):
	 * how many, and ns spent in lkvm between KVM_RUN returning and the
	 * next KVM_RUN. */
	u64 exit_count[VCPU_EXIT_REASONS];
	u64 exit_ns[VCPU_EXIT_REASONS];
};

struct kvm {
	int sys_fd;		/* /dev/kvm */
	int vm_fd;
	enum kvm_flavour flavour;
	const struct vm_config *cfg;
	struct guest_mem mem;
	u8 *ram;		/* host mapping of all guest RAM */
	struct bus pio;
	struct bus mmio;
	int nr_vcpus;
	struct vcpu *vcpus;

	/* Run end: first caller of vm_request_exit() wins. */
	pthread_mutex_t end_lock;
	pthread_cond_t end_cond;
	enum vm_end end;
	int exit_status;
	char end_msg[256];
	/* Start-up accounting (now_ns()): just before vCPU 0's first KVM_RUN
	 * (written by its thread, read after the join), and when the end was
	 * requested (under end_lock). 0 until then. */
	u64 first_run_ns, end_ns;

	/* Pause: vm_pause() raises pause_req and waits until every running
	 * vCPU thread sits in vcpu_wait_unpaused(); vm_resume() releases them. */
	pthread_mutex_t pause_lock;
	pthread_cond_t pause_cond;
	int pause_req;		/* nested pause requests */
	int nr_paused;		/* vCPU threads waiting */
	int nr_running;		/* vCPU threads started and not finished */
	struct kvm_clock_data paused_clock;

	/* Boot result, used by the register dump: where the kernel's symbols are. */
	const char *symbols_path;
	bool is_linux;
	/* Host decompression gave its guest RAM back (boot.c): VmHWM and
	 * lkvm's own bytes (VmHWM - guest RAM resident) just before; 0 if not. */
	u64 load_hwm, load_own;

	/* Kernel parameters devices add for a Linux guest (virtio-mmio's
	 * "virtio_mmio.device=..."), space-separated, or NULL; boot_linux()
	 * puts them before the user's -p. See kvm_cmdline_append(). */
	char *cmdline_extra;
};

/*
 * vm_request_exit - end the run: record @end, the process exit @status and
 * a one-line @fmt message (printed by the main thread), kick every vCPU out
 * of KVM_RUN, and wake the main thread. Safe from any thread; only the first
 * call has effect.
 */
void vm_request_exit(struct kvm *kvm, enum vm_end end, int status,
		     const char *fmt, ...) __printf(4, 5);

/* True once vm_request_exit() has been called. */
bool vm_exiting(struct kvm *kvm);

/*
 * vm_pause - stop every vCPU outside KVM_RUN (kick: immediate_exit + signal,
 * then wait on a condition variable, no busy loop) and return once all are
 * stopped, so their registers can be read with vCPU ioctls from this thread.
 * kvmclock is saved (KVM_GET_CLOCK) so that guest time does not jump.
 * Nests: each vm_pause() needs one vm_resume(). Safe from any non-vCPU thread.
 */
void vm_pause(struct kvm *kvm);

/* vm_resume - undo one vm_pause(); the last one restores kvmclock
 * (KVM_SET_CLOCK) and lets the vCPUs run on exactly where they were. */
void vm_resume(struct kvm *kvm);

/* True while a pause is in force. */
bool vm_paused(struct kvm *kvm);

/*
 * kvm_irq_line - drive GSI @gsi of the in-kernel irqchip to @level (0/1)
 * with KVM_IRQ_LINE. Edge devices call it with 1 then 0.
 */
void kvm_irq_line(struct kvm *kvm, u32 gsi, int level);

/*
 * kvm_init - open /dev/kvm and create the VM for @cfg: guest RAM (with the
 * PCI hole below 4 GiB), in-kernel irqchip and PIT, buses. Prints one error
 * line and returns -1 on failure (no /dev/kvm, no permission, too much RAM).
 */
int kvm_init(struct kvm *kvm, const struct vm_config *cfg);

/*
 * kvm_create_vcpus - create cfg->nr_cpus vCPUs with their kvm_run mappings
 * and CPUID (hv/x86/cpuid.c). Returns 0 or -1 (error printed).
 */
int kvm_create_vcpus(struct kvm *kvm);

/*
 * kvm_run_vcpus - start one thread per vCPU, wait until the run ends
 * (vm_request_exit), stop and join them. Returns the process exit status.
 */
int kvm_run_vcpus(struct kvm *kvm);

/*
 * kvm_ram_resident - bytes of guest RAM resident in the host (mincore(2)
 * over the RAM mapping): what the guest has touched. 0 before kvm_init.
 */
u64 kvm_ram_resident(struct kvm *kvm);

/* kvm_peak_rss - this process's peak RSS in bytes (VmHWM of
 * /proc/self/status, proc(5)), or 0 if it cannot be read. */
u64 kvm_peak_rss(void);

/*
 * kvm_cmdline_append - add the kernel parameter @word to kvm->cmdline_extra
 * (a copy; a Linux guest's command line gets it). Never fails.
 */
void kvm_cmdline_append(struct kvm *kvm, const char *word);

/* kvm_teardown - release vCPUs, RAM and fds. */
void kvm_teardown(struct kvm *kvm);

/* Name of a KVM_EXIT_* reason without its prefix ("IO", "MMIO", ...), from
 * the build's <linux/kvm.h> (hv/kvm-names.h), or "UNKNOWN". */
const char *kvm_exit_reason_name(u32 reason);

/*
 * kvm_detect_flavour - which vendor module serves this host's /dev/kvm
 * (kvm_pvm, kvm_intel, kvm_amd; else the CPU flags). Needs no /dev/kvm.
 */
enum kvm_flavour kvm_detect_flavour(void);

/* Name of a KVM flavour ("VMX", "SVM", "PVM", "unknown"). */
const char *kvm_flavour_name(enum kvm_flavour f);

/* vcpu_dump - print registers, code bytes at RIP and RIP's symbol to stderr. */
void vcpu_dump(struct vcpu *vcpu);

#endif
