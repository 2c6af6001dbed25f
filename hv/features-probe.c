// SPDX-License-Identifier: GPL-2.0
/*
 * features_probe(): ask the kernel about everything the build's
 * <linux/kvm.h> names (hv/features.h). Source: Documentation/virt/kvm/api.rst
 * 4.1 KVM_GET_API_VERSION, 4.4 KVM_CHECK_EXTENSION, 4.5
 * KVM_GET_VCPU_MMAP_SIZE, 4.3 KVM_GET_MSR_INDEX_LIST and
 * KVM_GET_MSR_FEATURE_INDEX_LIST, 4.46 KVM_GET_SUPPORTED_CPUID, 4.133
 * KVM_GET_STATS_FD; 8.x KVM_CAP_VM_TYPES.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hv/features.h"
#include "hv/kvm-names.h"
#include "hv/kvm.h"
#include "hv/x86/cpuid-names.h"
#include "stat/event.h"
#include "stat/kstats.h"

#define CPUID_MAX_ENT 4096	/* entries asked for at most */
#define MSR_MAX 16384		/* MSR indices accepted at most */

static void add_int(struct json_object *o, const char *k, long long v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

/* KVM_CHECK_EXTENSION's value as a JSON int, or null when it failed. */
static struct json_object *check_ext(int fd, unsigned long cap)
{
	int r;

	if (fd < 0)
		return NULL;
	r = ioctl(fd, KVM_CHECK_EXTENSION, cap);
	return r < 0 ? NULL : json_object_new_int64(r);
}

static struct json_object *names_array(const struct kvm_name_table *t, const char *key,
				       const char *cap_sys_key, int sys_fd, int vm_fd)
{
	struct json_object *a = json_object_new_array();

	for (unsigned int i = 0; i < t->nr; i++) {
		struct json_object *e = json_object_new_object();

		add_str(e, "name", t->names[i].name);
		add_int(e, key, (long long)t->names[i].value);
		if (cap_sys_key) {
			json_object_object_add(e, "sys", check_ext(sys_fd, t->names[i].value));
			json_object_object_add(e, "vm", check_ext(vm_fd, t->names[i].value));
		}
		json_object_array_add(a, e);
	}
	return a;
}

static void add_flags(struct json_object *e, const struct kvm_cpuid_entry2 *c)
{
	static const char *const reg_names[] = { "eax", "ebx", "ecx", "edx" };
	const u32 regs[] = { c->eax, c->ebx, c->ecx, c->edx };
	struct json_object *set = json_object_new_object();

	for (int r = 0; r < 4; r++) {
		struct json_object *a = json_object_new_array();
		char buf[16];

		if (!cpuid_has_flag_names(c->function, c->index, (enum cpuid_reg)r)) {
			json_object_put(a);
			continue;
		}
		for (unsigned int b = 0; b < 32; b++) {
			const char *n;

			if (!(regs[r] & (1U << b)))
				continue;
			n = cpuid_flag_name(c->function, c->index, (enum cpuid_reg)r, b);
			if (!n) {
				snprintf(buf, sizeof(buf), "bit%u", b);
				n = buf;
			}
			json_object_array_add(a, json_object_new_string(n));
		}
		if (json_object_array_length(a))
			json_object_object_add(set, reg_names[r], a);
		else
			json_object_put(a);
	}
	json_object_object_add(e, "flags_set", set);
}

/* KVM_GET_SUPPORTED_CPUID, growing the table while KVM says E2BIG. */
static void probe_cpuid(struct json_object *k, int sys_fd)
{
	struct kvm_cpuid2 *c = NULL;
	struct json_object *a;
	int nent = 64, r = -1;

	while (nent <= CPUID_MAX_ENT) {
		free(c);
		c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));
		if (!c)
			return;
		c->nent = nent;
		r = ioctl(sys_fd, KVM_GET_SUPPORTED_CPUID, c);
		if (r == 0 || errno != E2BIG)
			break;
		nent *= 2;
	}
	if (r < 0) {
		add_str(k, "cpuid_error", strerror(errno));
		free(c);
		return;
	}
	a = json_object_new_array();
	for (u32 i = 0; i < c->nent && i < (u32)nent; i++) {
		const struct kvm_cpuid_entry2 *ce = &c->entries[i];
		struct json_object *e = json_object_new_object();

		add_int(e, "function", ce->function);
		add_int(e, "index", ce->index);
		add_int(e, "flags", ce->flags);
		add_int(e, "eax", ce->eax);
		add_int(e, "ebx", ce->ebx);
		add_int(e, "ecx", ce->ecx);
		add_int(e, "edx", ce->edx);
		if (cpuid_has_flag_names(ce->function, ce->index, CPUID_ECX))
			add_flags(e, ce);
		json_object_array_add(a, e);
		if (ce->function == 0) {
			char v[13];

			memcpy(v, &ce->ebx, 4);
			memcpy(v + 4, &ce->edx, 4);
			memcpy(v + 8, &ce->ecx, 4);
			v[12] = '\0';
			for (int j = 0; j < 12; j++)
				if (v[j] < 0x20 || v[j] > 0x7e)
					v[j] = '?';
			add_str(k, "cpu_vendor", v);
		}
	}
	json_object_object_add(k, "cpuid", a);
	free(c);
}

/* KVM_GET_MSR_INDEX_LIST or KVM_GET_MSR_FEATURE_INDEX_LIST: ask for the
 * count (E2BIG with nmsrs = 0), then the list. */
static void probe_msrs(struct json_object *k, int sys_fd, unsigned long req, const char *key)
{
	struct kvm_msr_list probe = { .nmsrs = 0 }, *l;
	struct json_object *a;
	char ekey[64];
	u32 n;

	snprintf(ekey, sizeof(ekey), "%s_error", key);
	if (ioctl(sys_fd, req, &probe) < 0 && errno != E2BIG) {
		add_str(k, ekey, strerror(errno));
		return;
	}
	n = probe.nmsrs;
	if (n > MSR_MAX)
		n = MSR_MAX;
	l = calloc(1, sizeof(*l) + n * sizeof(l->indices[0]));
	if (!l)
		return;
	l->nmsrs = n;
	if (ioctl(sys_fd, req, l) < 0) {
		add_str(k, ekey, strerror(errno));
		free(l);
		return;
	}
	a = json_object_new_array();
	for (u32 i = 0; i < l->nmsrs && i < n; i++) {
		struct json_object *e = json_object_new_object();

		add_int(e, "index", l->indices[i]);
		add_str(e, "name", stat_msr_name(l->indices[i]));
		json_object_array_add(a, e);
	}
	json_object_object_add(k, key, a);
	free(l);
}

static const char *stats_type(u32 f)
{
	switch (f & KVM_STATS_TYPE_MASK) {
	case KVM_STATS_TYPE_CUMULATIVE: return "cumulative";
	case KVM_STATS_TYPE_INSTANT: return "instant";
	case KVM_STATS_TYPE_PEAK: return "peak";
	case KVM_STATS_TYPE_LINEAR_HIST: return "linear_hist";
	case KVM_STATS_TYPE_LOG_HIST: return "log_hist";
	default: return "unknown";
	}
}

static const char *stats_unit(u32 f)
{
	switch (f & KVM_STATS_UNIT_MASK) {
	case KVM_STATS_UNIT_NONE: return "none";
	case KVM_STATS_UNIT_BYTES: return "bytes";
	case KVM_STATS_UNIT_SECONDS: return "seconds";
	case KVM_STATS_UNIT_CYCLES: return "cycles";
#ifdef KVM_STATS_UNIT_BOOLEAN
	case KVM_STATS_UNIT_BOOLEAN: return "boolean";
#endif
	default: return "unknown";
	}
}

/* The descriptors of the stats fd of @fd (a VM or vCPU fd). */
static void probe_stats(struct json_object *stats, const char *key, int fd)
{
	struct kstats_fd k;
	struct json_object *a;
	char err[128];
	int sfd = ioctl(fd, KVM_GET_STATS_FD, NULL);

	if (sfd < 0) {
		char ekey[32];

		snprintf(ekey, sizeof(ekey), "%s_error", key);
		add_str(stats, ekey, strerror(errno));
		return;
	}
	if (kstats_open(&k, sfd, 0, err, sizeof(err)) < 0) {
		char ekey[32];

		snprintf(ekey, sizeof(ekey), "%s_error", key);
		add_str(stats, ekey, err);
		close(sfd);
		return;
	}
	a = json_object_new_array();
	for (u32 i = 0; i < k.nr; i++) {
		struct json_object *e = json_object_new_object();

		add_str(e, "name", k.d[i].name);
		add_str(e, "type", stats_type(k.d[i].flags));
		add_str(e, "unit", stats_unit(k.d[i].flags));
		add_str(e, "base", (k.d[i].flags & KVM_STATS_BASE_MASK) == KVM_STATS_BASE_POW2 ?
			"pow2" : "pow10");
		add_int(e, "exponent", k.d[i].exponent);
		add_int(e, "size", k.d[i].size);
		json_object_array_add(a, e);
	}
	json_object_object_add(stats, key, a);
	kstats_close(&k);
	close(sfd);
}

/* KVM_CAP_VM_TYPES: a bit mask of the VM types KVM_CREATE_VM takes. */
static void probe_vm_types(struct json_object *k, int sys_fd)
{
#ifdef KVM_CAP_VM_TYPES
	int mask = ioctl(sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES);
	struct json_object *a;

	if (mask < 0)
		return;
	a = json_object_new_array();
	for (int t = 0; t < 31; t++)
		if (mask & (1 << t))
			json_object_array_add(a, json_object_new_int(t));
	json_object_object_add(k, "vm_types", a);
#else
	(void)sys_fd;
	add_str(k, "vm_types_note", "KVM_CAP_VM_TYPES is not in this build's <linux/kvm.h>");
#endif
}

static struct json_object *probe_kernel(int sys_fd, int *vm_fd)
{
	struct json_object *k = json_object_new_object();

	add_int(k, "api_version", ioctl(sys_fd, KVM_GET_API_VERSION, 0));
	add_str(k, "flavour", kvm_flavour_name(kvm_detect_flavour()));
	add_int(k, "vcpu_mmap_size", ioctl(sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0));
	probe_vm_types(k, sys_fd);
	probe_cpuid(k, sys_fd);
	probe_msrs(k, sys_fd, KVM_GET_MSR_INDEX_LIST, "msrs");
#ifdef KVM_GET_MSR_FEATURE_INDEX_LIST
	probe_msrs(k, sys_fd, KVM_GET_MSR_FEATURE_INDEX_LIST, "msr_features");
#endif
	*vm_fd = ioctl(sys_fd, KVM_CREATE_VM, 0);
	if (*vm_fd < 0) {
		add_str(k, "vm_error", strerror(errno));
		return k;
	}
#ifdef KVM_GET_STATS_FD
	if (ioctl(sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD) > 0) {
		struct json_object *stats = json_object_new_object();
		int vcpu_fd;

		probe_stats(stats, "vm", *vm_fd);
		vcpu_fd = ioctl(*vm_fd, KVM_CREATE_VCPU, 0);
		if (vcpu_fd >= 0) {
			probe_stats(stats, "vcpu", vcpu_fd);
			close(vcpu_fd);
		} else {
			add_str(stats, "vcpu_error", strerror(errno));
		}
		json_object_object_add(k, "stats", stats);
	}
#endif
	return k;
}

struct json_object *features_probe(const char *dev)
{
	struct json_object *f = json_object_new_object();
	struct json_object *kernel = NULL;
	int sys_fd = open(dev, O_RDWR | O_CLOEXEC), vm_fd = -1;

	add_int(f, "format", FEATURES_FORMAT);
	add_str(f, "lkvm_version", LKVM_VERSION);
	add_str(f, "header", kvm_names_header);
	if (sys_fd < 0) {
		char e[256];

		snprintf(e, sizeof(e), "%s: %s", dev, strerror(errno));
		add_str(f, "kernel_error", e);
	}
	else
		kernel = probe_kernel(sys_fd, &vm_fd);
	json_object_object_add(f, "capabilities",
			       names_array(&kvm_caps, "number", "sys", sys_fd, vm_fd));
	json_object_object_add(f, "exit_reasons", names_array(&kvm_exits, "number", NULL, -1, -1));
	json_object_object_add(f, "ioctls", names_array(&kvm_ioctls, "request", NULL, -1, -1));
	json_object_object_add(f, "kernel", kernel);
	if (vm_fd >= 0)
		close(vm_fd);
	if (sys_fd >= 0)
		close(sys_fd);
	return f;
}
