// SPDX-License-Identifier: GPL-2.0
/*
 * VM lifetime and the vCPU run loop.
 * Source: Documentation/virt/kvm/api.rst (KVM_CREATE_VM, KVM_SET_USER_MEMORY_REGION,
 * KVM_CREATE_IRQCHIP, KVM_CREATE_PIT2, KVM_CREATE_VCPU, KVM_RUN).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hv/kvm.h"
#include "hv/kvm-names.h"
#include "hv/kvm_diag.h"
#include "hv/x86/cpuid.h"
#include "hv/x86/emulate.h"
#include "util/log.h"

/* Signal used to kick a vCPU thread out of KVM_RUN. */
#define SIG_VCPU_KICK SIGUSR1

const char *kvm_exit_reason_name(u32 reason)
{
	const char *n = kvm_name_of(&kvm_exits, reason);

	/* "KVM_EXIT_IO" -> "IO": the short form lkvm stat and dumps print. */
	if (n && !strncmp(n, "KVM_EXIT_", 9))
		return n + 9;
	return n ? n : "UNKNOWN";
}

const char *kvm_flavour_name(enum kvm_flavour f)
{
	switch (f) {
	case KVM_FLAVOUR_VMX: return "VMX";
	case KVM_FLAVOUR_SVM: return "SVM";
	case KVM_FLAVOUR_PVM: return "PVM";
	default: return "unknown";
	}
}

/*
 * Which vendor module serves /dev/kvm: the loaded module decides (kvm_pvm,
 * kvm_intel, kvm_amd); the CPU flags are the fallback for built-in KVM.
 */
enum kvm_flavour kvm_detect_flavour(void)
{
	char line[4096];
	enum kvm_flavour f = KVM_FLAVOUR_UNKNOWN;
	FILE *fp;

	if (!access("/sys/module/kvm_pvm", F_OK))
		return KVM_FLAVOUR_PVM;
	if (!access("/sys/module/kvm_intel", F_OK))
		return KVM_FLAVOUR_VMX;
	if (!access("/sys/module/kvm_amd", F_OK))
		return KVM_FLAVOUR_SVM;
	fp = fopen("/proc/cpuinfo", "r");
	if (!fp)
		return f;
	while (fgets(line, sizeof(line), fp)) {
		if (strncmp(line, "flags", 5))
			continue;
		if (strstr(line, " vmx"))
			f = KVM_FLAVOUR_VMX;
		else if (strstr(line, " svm"))
			f = KVM_FLAVOUR_SVM;
		break;
	}
	fclose(fp);
	return f;
}

/*
 * Guest RAM starts at a 2 MiB boundary of the address space: KVM maps a
 * guest's 2 MiB with one huge page in its EPT/NPT only when a huge page
 * backs it and the HVA agrees with the GPA modulo 2 MiB
 * (Documentation/admin-guide/mm/transhuge.rst; Linux aligns big
 * anonymous mappings by itself only since 6.7). Otherwise each guest
 * TLB miss walks 4 KiB host pages, which a nested guest pays most.
 */
#define RAM_ALIGN	(2ull << 20)

static int kvm_map_ram(struct kvm *kvm)
{
	u64 size = kvm->cfg->ram_size;
	u8 *p = mmap(NULL, size + RAM_ALIGN, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uintptr_t head;

	if (p == MAP_FAILED) {
		pr_err("cannot allocate %llu MiB of guest RAM: %s (use a smaller -m)",
		       (unsigned long long)(size >> 20), strerror(errno));
		return -1;
	}
	head = ALIGN_UP((uintptr_t)p, RAM_ALIGN) - (uintptr_t)p;
	if (head)
		munmap(p, head);
	munmap(p + head + size, RAM_ALIGN - head);
	kvm->ram = p + head;
	madvise(kvm->ram, size, MADV_HUGEPAGE);
	guest_mem_layout(&kvm->mem, kvm->ram, size);
	for (int i = 0; i < kvm->mem.nr_banks; i++) {
		struct kvm_userspace_memory_region r = {
			.slot = i,
			.guest_phys_addr = kvm->mem.banks[i].gpa,
			.memory_size = kvm->mem.banks[i].size,
			.userspace_addr = (u64)(uintptr_t)kvm->mem.banks[i].hva,
		};

		if (vm_ioctl(kvm, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
			pr_err("KVM_SET_USER_MEMORY_REGION (%llu MiB at %#llx): %s",
			       (unsigned long long)(r.memory_size >> 20),
			       (unsigned long long)r.guest_phys_addr, strerror(errno));
			return -1;
		}
		pr_debug("memory slot %d: GPA 0x%llx, %llu MiB at HVA 0x%llx", i,
			 (unsigned long long)r.guest_phys_addr,
			 (unsigned long long)(r.memory_size >> 20),
			 (unsigned long long)r.userspace_addr);
	}
	return 0;
}

int kvm_init(struct kvm *kvm, const struct vm_config *cfg)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	int ret;

	kvm->cfg = cfg;
	kvm->vm_fd = -1;
	pthread_mutex_init(&kvm->end_lock, NULL);
	pthread_cond_init(&kvm->end_cond, NULL);
	pthread_mutex_init(&kvm->pause_lock, NULL);
	pthread_cond_init(&kvm->pause_cond, NULL);
	bus_init(&kvm->pio, "pio");
	bus_init(&kvm->mmio, "mmio");

	kvm->sys_fd = open(kvm_dev_path(), O_RDWR | O_CLOEXEC);
	if (kvm->sys_fd < 0) {
		struct kvm_dev_facts f;
		char grp[64], msg[1024];

		kvm_dev_probe(kvm_dev_path(), &f, grp, sizeof(grp));
		if (kvm_dev_diagnose(&f, msg, sizeof(msg)) == KVM_DEV_OK)
			snprintf(msg, sizeof(msg), "cannot open %s: %s", kvm_dev_path(),
				 strerror(errno));
		pr_err("%s", msg);
		return -1;
	}
	ret = sys_ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION) {
		pr_err("/dev/kvm speaks KVM API %d, lkvm needs %d", ret, KVM_API_VERSION);
		return -1;
	}
	kvm->flavour = kvm_detect_flavour();
	pr_info("KVM flavour: %s%s", kvm_flavour_name(kvm->flavour),
		kvm->flavour == KVM_FLAVOUR_PVM ?
		" (software KVM: guest CPL0 code is emulated, CPUID cannot be shaped)" : "");

	do {
		kvm->vm_fd = sys_ioctl(kvm, KVM_CREATE_VM, 0);
	} while (kvm->vm_fd < 0 && errno == EINTR);
	if (kvm->vm_fd < 0) {
		pr_err("KVM_CREATE_VM: %s", strerror(errno));
		return -1;
	}
	/* VMX needs these three pages below 4 GiB for real-mode emulation;
	 * they sit in the PCI hole, never in RAM. Other flavours ignore them. */
	if (sys_ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_SET_TSS_ADDR) > 0 &&
	    vm_ioctl(kvm, KVM_SET_TSS_ADDR, 0xfffbd000UL) < 0)
		pr_debug("KVM_SET_TSS_ADDR: %s", strerror(errno));
	if (sys_ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0) {
		u64 addr = 0xfffbc000ULL;

		if (vm_ioctl(kvm, KVM_SET_IDENTITY_MAP_ADDR, &addr) < 0)
			pr_debug("KVM_SET_IDENTITY_MAP_ADDR: %s", strerror(errno));
	}
	if (vm_ioctl(kvm, KVM_CREATE_IRQCHIP, 0) < 0) {
		pr_err("KVM_CREATE_IRQCHIP: %s", strerror(errno));
		return -1;
	}
	if (vm_ioctl(kvm, KVM_CREATE_PIT2, &pit) < 0) {
		pr_err("KVM_CREATE_PIT2: %s", strerror(errno));
		return -1;
	}
	return kvm_map_ram(kvm);
}

void kvm_irq_line(struct kvm *kvm, u32 gsi, int level)
{
	struct kvm_irq_level irq = { .irq = gsi, .level = level };

	if (kvm->vm_fd < 0)
		return;
	if (vm_ioctl(kvm, KVM_IRQ_LINE, &irq) < 0)
		pr_warn_once("KVM_IRQ_LINE: %s", strerror(errno));
}

static void vcpu_kick(struct vcpu *vcpu)
{
	if (!vcpu->run)
		return;
	__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (vcpu->thread)
		pthread_kill(vcpu->thread, SIG_VCPU_KICK);
}

bool vm_exiting(struct kvm *kvm)
{
	return __atomic_load_n(&kvm->end, __ATOMIC_ACQUIRE) != VM_END_NONE;
}

void vm_request_exit(struct kvm *kvm, enum vm_end end, int status,
		     const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&kvm->end_lock);
	if (kvm->end != VM_END_NONE) {
		pthread_mutex_unlock(&kvm->end_lock);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(kvm->end_msg, sizeof(kvm->end_msg), fmt, ap);
	va_end(ap);
	kvm->exit_status = status;
	kvm->end_ns = now_ns();
	__atomic_store_n(&kvm->end, end, __ATOMIC_RELEASE);
	for (int i = 0; i < kvm->nr_vcpus; i++)
		vcpu_kick(&kvm->vcpus[i]);
	pthread_cond_broadcast(&kvm->end_cond);
	pthread_mutex_unlock(&kvm->end_lock);
	/* Paused vCPUs must wake up to see the end. */
	pthread_mutex_lock(&kvm->pause_lock);
	pthread_cond_broadcast(&kvm->pause_cond);
	pthread_mutex_unlock(&kvm->pause_lock);
}

void vm_pause(struct kvm *kvm)
{
	pthread_mutex_lock(&kvm->pause_lock);
	if (kvm->pause_req++ == 0) {
		pthread_mutex_lock(&kvm->end_lock);
		for (int i = 0; i < kvm->nr_vcpus; i++)
			vcpu_kick(&kvm->vcpus[i]);
		pthread_mutex_unlock(&kvm->end_lock);
	}
	while (kvm->nr_paused < kvm->nr_running && !vm_exiting(kvm))
		pthread_cond_wait(&kvm->pause_cond, &kvm->pause_lock);
	if (kvm->pause_req == 1 && kvm->vm_fd >= 0 &&
	    vm_ioctl(kvm, KVM_GET_CLOCK, &kvm->paused_clock) < 0)
		kvm->paused_clock.flags = ~0U;
	pthread_mutex_unlock(&kvm->pause_lock);
}

void vm_resume(struct kvm *kvm)
{
	pthread_mutex_lock(&kvm->pause_lock);
	if (kvm->pause_req > 0 && --kvm->pause_req == 0) {
		if (kvm->paused_clock.flags != ~0U && kvm->vm_fd >= 0) {
			struct kvm_clock_data c = { .clock = kvm->paused_clock.clock };

			if (vm_ioctl(kvm, KVM_SET_CLOCK, &c) < 0)
				pr_debug("KVM_SET_CLOCK: %s", strerror(errno));
		}
		pthread_cond_broadcast(&kvm->pause_cond);
	}
	pthread_mutex_unlock(&kvm->pause_lock);
}

bool vm_paused(struct kvm *kvm)
{
	return __atomic_load_n(&kvm->pause_req, __ATOMIC_ACQUIRE) > 0;
}

/* Called by a vCPU thread outside KVM_RUN: wait while a pause is in force. */
static void vcpu_wait_unpaused(struct vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;

	pthread_mutex_lock(&kvm->pause_lock);
	if (kvm->pause_req && !vm_exiting(kvm)) {
		kvm->nr_paused++;
		pthread_cond_broadcast(&kvm->pause_cond);
		while (kvm->pause_req && !vm_exiting(kvm))
			pthread_cond_wait(&kvm->pause_cond, &kvm->pause_lock);
		kvm->nr_paused--;
	}
	pthread_mutex_unlock(&kvm->pause_lock);
}

int kvm_create_vcpus(struct kvm *kvm)
{
	int mmap_size = sys_ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	int max = sys_ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	int n = kvm->cfg->nr_cpus;

	if (max <= 0)
		max = sys_ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	if (max > 0 && n > max) {
		pr_err("-c %d: this host's KVM allows at most %d vCPUs", n, max);
		return -1;
	}
	if (mmap_size < (int)sizeof(struct kvm_run)) {
		pr_err("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		return -1;
	}
	kvm->vcpus = xzalloc(n * sizeof(*kvm->vcpus));
	for (int i = 0; i < n; i++) {
		struct vcpu *v = &kvm->vcpus[i];

		v->kvm = kvm;
		v->id = i;
		v->fd = vm_ioctl(kvm, KVM_CREATE_VCPU, i);
		if (v->fd < 0) {
			pr_err("KVM_CREATE_VCPU %d: %s", i, strerror(errno));
			return -1;
		}
		v->run_size = mmap_size;
		v->run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
		if (v->run == MAP_FAILED) {
			v->run = NULL;
			pr_err("mmap of vCPU %d's kvm_run: %s", i, strerror(errno));
			return -1;
		}
		kvm->nr_vcpus = i + 1;
		if (cpuid_setup(v) < 0)
			return -1;
	}
	return 0;
}

static void vcpu_crash(struct vcpu *vcpu, const char *what)
{
	/* Only the first failing vCPU dumps; the others just stop. */
	if (vm_exiting(vcpu->kvm))
		return;
	pr_err("vCPU %d: %s", vcpu->id, what);
	vcpu_dump(vcpu);
	vm_request_exit(vcpu->kvm, VM_END_CRASH, EXIT_GUEST_CRASH,
			"guest crashed: %s", what);
}

static void handle_io(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	u8 *data = (u8 *)run + run->io.data_offset;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;

	/* data_offset comes from the kernel, but keep every access in the page. */
	if (run->io.data_offset + (u64)run->io.size * run->io.count > vcpu->run_size)
		return;
	for (u32 i = 0; i < run->io.count; i++, data += run->io.size) {
		bool found = bus_access(&vcpu->kvm->pio, run->io.port, data,
					run->io.size, is_write, vcpu);

		if (vcpu->kvm->cfg->debug_exits || !found)
			pr_debug("vCPU %d: %s port %#x size %u value %#x%s", vcpu->id,
				 is_write ? "out" : "in", run->io.port, run->io.size,
				 run->io.size == 1 ? data[0] :
				 run->io.size == 2 ? *(u16 *)data : *(u32 *)data,
				 found ? "" : " (no device)");
	}
}

static void handle_mmio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	u32 len = run->mmio.len;
	bool found;

	if (len > sizeof(run->mmio.data))
		return;
	found = bus_access(&vcpu->kvm->mmio, run->mmio.phys_addr, run->mmio.data,
			   len, run->mmio.is_write, vcpu);
	if (vcpu->kvm->cfg->debug_exits || !found) {
		u64 v = 0;

		memcpy(&v, run->mmio.data, MIN(len, 8u));
		pr_debug("vCPU %d: mmio %s %#llx len %u value %#llx%s", vcpu->id,
			 run->mmio.is_write ? "write" : "read",
			 (unsigned long long)run->mmio.phys_addr, len,
			 (unsigned long long)v, found ? "" : " (no device)");
	}
}

static void handle_system_event(struct vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;

	switch (vcpu->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vm_request_exit(kvm, VM_END_POWEROFF, EXIT_GUEST_OFF, "guest powered off");
		break;
	case KVM_SYSTEM_EVENT_RESET:
		vm_request_exit(kvm, VM_END_REBOOT, EXIT_GUEST_OFF, "guest rebooted");
		break;
	case KVM_SYSTEM_EVENT_CRASH:
		vm_request_exit(kvm, VM_END_PANIC, EXIT_GUEST_PANIC, "guest reported a crash");
		break;
	default: {
		char what[64];

		snprintf(what, sizeof(what), "unknown system event %u",
			 vcpu->run->system_event.type);
		vcpu_crash(vcpu, what);
	}
	}
}

/* Returns false when the vCPU must stop. */
static bool handle_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	char what[128];

	if (vcpu->kvm->cfg->debug_exits && run->exit_reason != KVM_EXIT_IO &&
	    run->exit_reason != KVM_EXIT_MMIO)
		pr_debug("vCPU %d: exit %s", vcpu->id, kvm_exit_reason_name(run->exit_reason));

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(vcpu);
		return true;
	case KVM_EXIT_MMIO:
		handle_mmio(vcpu);
		return true;
	case KVM_EXIT_HLT:
	case KVM_EXIT_INTR:
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		return true;
	case KVM_EXIT_SYSTEM_EVENT:
		handle_system_event(vcpu);
		return false;
	case KVM_EXIT_SHUTDOWN:
		vcpu_crash(vcpu, "triple fault (KVM_EXIT_SHUTDOWN)");
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		if (x86_emulate_fallback(vcpu) == 0)
			return true;
		snprintf(what, sizeof(what), "KVM internal error, suberror %u%s",
			 run->internal.suberror,
			 run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ?
			 " (instruction emulation failed)" : "");
		vcpu_crash(vcpu, what);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(what, sizeof(what), "VM entry failed, hardware reason %#llx",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		vcpu_crash(vcpu, what);
		return false;
	default:
		snprintf(what, sizeof(what), "unhandled exit %s (%u)",
			 kvm_exit_reason_name(run->exit_reason), run->exit_reason);
		vcpu_crash(vcpu, what);
		return false;
	}
}

static void kick_handler(int sig __unused)
{
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	sigset_t set;
	char name[16];

	snprintf(name, sizeof(name), "vcpu%d", vcpu->id);
	pthread_setname_np(pthread_self(), name);
	sigemptyset(&set);
	sigaddset(&set, SIG_VCPU_KICK);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	while (!vm_exiting(vcpu->kvm)) {
		u64 t0, t1;
		u32 reason;

		if (vm_paused(vcpu->kvm)) {
			vcpu_wait_unpaused(vcpu);
			continue;
		}
		if (vcpu->id == 0 && !vcpu->kvm->first_run_ns)
			vcpu->kvm->first_run_ns = now_ns();
		if (vcpu_ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				vcpu->run->immediate_exit = 0;
				continue;
			}
			pr_err("vCPU %d: KVM_RUN: %s", vcpu->id, strerror(errno));
			vm_request_exit(vcpu->kvm, VM_END_ERROR, EXIT_LKVM_ERROR,
					"KVM_RUN failed: %s", strerror(errno));
			break;
		}
		t0 = now_ns();
		reason = vcpu->run->exit_reason;
		if (reason >= VCPU_EXIT_REASONS)
			reason = 0;
		vcpu->nr_exits++;
		if (!handle_exit(vcpu))
			break;
		t1 = now_ns();
		vcpu->exit_count[reason]++;
		vcpu->exit_ns[reason] += t1 - t0;
	}
	pthread_mutex_lock(&vcpu->kvm->pause_lock);
	vcpu->kvm->nr_running--;
	pthread_cond_broadcast(&vcpu->kvm->pause_cond);
	pthread_mutex_unlock(&vcpu->kvm->pause_lock);
	return NULL;
}

int kvm_run_vcpus(struct kvm *kvm)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	sigset_t set, old;

	/* No SA_RESTART: the kick must interrupt KVM_RUN with EINTR. */
	sigaction(SIG_VCPU_KICK, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIG_VCPU_KICK);
	pthread_sigmask(SIG_BLOCK, &set, &old);

	for (int i = 0; i < kvm->nr_vcpus; i++) {
		struct vcpu *v = &kvm->vcpus[i];
		int err;

		pthread_mutex_lock(&kvm->pause_lock);
		kvm->nr_running++;
		pthread_mutex_unlock(&kvm->pause_lock);
		pthread_mutex_lock(&kvm->end_lock);
		err = pthread_create(&v->thread, NULL, vcpu_thread, v);
		pthread_mutex_unlock(&kvm->end_lock);
		if (err) {
			pthread_mutex_lock(&kvm->pause_lock);
			kvm->nr_running--;
			pthread_mutex_unlock(&kvm->pause_lock);
			v->thread = 0;
			vm_request_exit(kvm, VM_END_ERROR, EXIT_LKVM_ERROR,
					"cannot start vCPU %d thread: %s", i, strerror(err));
			break;
		}
	}

	pthread_mutex_lock(&kvm->end_lock);
	while (kvm->end == VM_END_NONE)
		pthread_cond_wait(&kvm->end_cond, &kvm->end_lock);
	pthread_mutex_unlock(&kvm->end_lock);

	for (int i = 0; i < kvm->nr_vcpus; i++) {
		struct vcpu *v = &kvm->vcpus[i];

		if (!v->thread)
			continue;
		/* A vCPU may sit in a halted KVM_RUN: kick until it leaves. */
		vcpu_kick(v);
		pthread_join(v->thread, NULL);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return kvm->exit_status;
}

u64 kvm_peak_rss(void)
{
	char line[256];
	unsigned long long kb = 0;
	FILE *fp = fopen("/proc/self/status", "r");

	if (!fp)
		return 0;
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "VmHWM: %llu kB", &kb) == 1)
			break;
	fclose(fp);
	return kb * 1024;
}

u64 kvm_ram_resident(struct kvm *kvm)
{
	const size_t chunk = 64 * SZ_1M;
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *vec;
	u64 resident = 0;

	if (!kvm->ram || page <= 0)
		return 0;
	vec = xmalloc(chunk / page);
	for (u64 off = 0; off < kvm->cfg->ram_size; off += chunk) {
		size_t len = MIN(chunk, kvm->cfg->ram_size - off);

		if (mincore(kvm->ram + off, len, vec) < 0)
			break;
		for (size_t i = 0; i < len / page; i++)
			resident += (vec[i] & 1) * (u64)page;
	}
	free(vec);
	return resident;
}

void kvm_cmdline_append(struct kvm *kvm, const char *word)
{
	size_t old = kvm->cmdline_extra ? strlen(kvm->cmdline_extra) : 0;
	size_t add = strlen(word);

	kvm->cmdline_extra = xrealloc(kvm->cmdline_extra, old + add + 2);
	if (old)
		kvm->cmdline_extra[old++] = ' ';
	memcpy(kvm->cmdline_extra + old, word, add + 1);
}

void kvm_teardown(struct kvm *kvm)
{
	for (int i = 0; i < kvm->nr_vcpus; i++) {
		struct vcpu *v = &kvm->vcpus[i];

		if (v->run)
			munmap(v->run, v->run_size);
		if (v->fd >= 0)
			close(v->fd);
	}
	free(kvm->vcpus);
	kvm->vcpus = NULL;
	kvm->nr_vcpus = 0;
	if (kvm->ram)
		munmap(kvm->ram, kvm->cfg->ram_size);
	kvm->ram = NULL;
	if (kvm->vm_fd >= 0)
		close(kvm->vm_fd);
	if (kvm->sys_fd >= 0)
		close(kvm->sys_fd);
	kvm->vm_fd = kvm->sys_fd = -1;
	free(kvm->cmdline_extra);
	kvm->cmdline_extra = NULL;
}
