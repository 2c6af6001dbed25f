// SPDX-License-Identifier: GPL-2.0
/*
 * The text report, --diff and capability look-ups of lkvm features, read
 * from the JSON document of features_probe() or a saved --json file
 * (hv/features.h). A saved file is input: every member is type-checked,
 * missing or mistyped ones are skipped.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hv/features.h"

/* Typed getters: NULL / @def when @o is not an object or the member is
 * missing or of another type. */
static struct json_object *jget(struct json_object *o, const char *k, json_type t)
{
	struct json_object *v;

	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, k, &v) || !v || !json_object_is_type(v, t))
		return NULL;
	return v;
}

static long long jint(struct json_object *o, const char *k, long long def)
{
	struct json_object *v = jget(o, k, json_type_int);

	return v ? json_object_get_int64(v) : def;
}

static const char *jstr(struct json_object *o, const char *k)
{
	struct json_object *v = jget(o, k, json_type_string);

	return v ? json_object_get_string(v) : NULL;
}

static size_t jlen(struct json_object *a)
{
	return a ? json_object_array_length(a) : 0;
}

static struct json_object *jidx(struct json_object *a, size_t i)
{
	return a ? json_object_array_get_idx(a, i) : NULL;
}

bool features_check(struct json_object *f, char *err, size_t errlen)
{
	long long v;

	if (!f || !json_object_is_type(f, json_type_object)) {
		snprintf(err, errlen, "not a JSON object");
		return false;
	}
	v = jint(f, "format", -1);
	if (v != FEATURES_FORMAT) {
		snprintf(err, errlen, "format %lld, expected %d (save it with lkvm features --json)",
			 v, FEATURES_FORMAT);
		return false;
	}
	if (!jget(f, "capabilities", json_type_array)) {
		snprintf(err, errlen, "no \"capabilities\" array");
		return false;
	}
	return true;
}

/* A capability is supported when either fd answers above 0. */
static int cap_state(struct json_object *c)
{
	long long sys = jint(c, "sys", -1), vm = jint(c, "vm", -1);

	if (sys < 0 && vm < 0)
		return -1;	/* not asked */
	return sys > 0 || vm > 0;
}

static void print_caps(struct json_object *caps, bool kernel, FILE *out)
{
	size_t n = jlen(caps), nsup = 0;

	for (size_t i = 0; i < n; i++)
		nsup += cap_state(jidx(caps, i)) == 1;
	if (!kernel) {
		fprintf(out, "\nCapabilities the header names (%zu):\n", n);
		for (size_t i = 0; i < n; i++) {
			struct json_object *c = jidx(caps, i);

			fprintf(out, "  %-40s %4lld\n", jstr(c, "name") ?: "?", jint(c, "number", -1));
		}
		return;
	}
	fprintf(out, "\nCapabilities supported (%zu of %zu the header names):\n", nsup, n);
	fprintf(out, "  %-40s %4s %10s %10s\n", "name", "nr", "system fd", "VM fd");
	for (int want = 1; want >= 0; want--) {
		if (!want)
			fprintf(out, "\nCapabilities not supported (%zu):\n", n - nsup);
		for (size_t i = 0; i < n; i++) {
			struct json_object *c = jidx(caps, i);
			char sys[24] = "-", vm[24] = "-";

			if ((cap_state(c) == 1) != want)
				continue;
			if (jget(c, "sys", json_type_int))
				snprintf(sys, sizeof(sys), "%lld", jint(c, "sys", 0));
			if (jget(c, "vm", json_type_int))
				snprintf(vm, sizeof(vm), "%lld", jint(c, "vm", 0));
			if (want)
				fprintf(out, "  %-40s %4lld %10s %10s\n", jstr(c, "name") ?: "?",
					jint(c, "number", -1), sys, vm);
			else
				fprintf(out, "  %-40s %4lld\n", jstr(c, "name") ?: "?",
					jint(c, "number", -1));
		}
	}
}

static void print_cpuid(struct json_object *k, FILE *out)
{
	static const char *const regs[] = { "eax", "ebx", "ecx", "edx" };
	struct json_object *a = jget(k, "cpuid", json_type_array);

	if (!a) {
		if (jstr(k, "cpuid_error"))
			fprintf(out, "\nKVM_GET_SUPPORTED_CPUID failed: %s\n", jstr(k, "cpuid_error"));
		return;
	}
	fprintf(out, "\nCPUID (KVM_GET_SUPPORTED_CPUID, %zu entries):\n", jlen(a));
	fprintf(out, "  %-10s %-5s %-10s %-10s %-10s %-10s\n", "leaf", "sub", "eax", "ebx",
		"ecx", "edx");
	for (size_t i = 0; i < jlen(a); i++) {
		struct json_object *e = jidx(a, i), *set = jget(e, "flags_set", json_type_object);

		fprintf(out, "  0x%08llx %-5lld 0x%08llx 0x%08llx 0x%08llx 0x%08llx\n",
			jint(e, "function", 0) & 0xffffffffLL, jint(e, "index", 0),
			jint(e, "eax", 0) & 0xffffffffLL, jint(e, "ebx", 0) & 0xffffffffLL,
			jint(e, "ecx", 0) & 0xffffffffLL, jint(e, "edx", 0) & 0xffffffffLL);
		for (int r = 0; set && r < 4; r++) {
			struct json_object *names = jget(set, regs[r], json_type_array);

			if (!names)
				continue;
			fprintf(out, "      %s:", regs[r]);
			for (size_t j = 0; j < jlen(names); j++) {
				struct json_object *s = jidx(names, j);

				if (json_object_is_type(s, json_type_string))
					fprintf(out, " %s", json_object_get_string(s));
			}
			fputc('\n', out);
		}
	}
}

static void print_msrs(struct json_object *k, const char *key, const char *title, FILE *out)
{
	struct json_object *a = jget(k, key, json_type_array);
	char ekey[64];

	snprintf(ekey, sizeof(ekey), "%s_error", key);
	if (!a) {
		if (jstr(k, ekey))
			fprintf(out, "\n%s failed: %s\n", title, jstr(k, ekey));
		return;
	}
	fprintf(out, "\n%s (%s, %zu):\n", strstr(key, "feat") ? "Feature MSRs" : "MSRs", title,
		jlen(a));
	for (size_t i = 0; i < jlen(a); i++) {
		struct json_object *e = jidx(a, i);

		fprintf(out, "  0x%08llx %s\n", jint(e, "index", 0) & 0xffffffffLL,
			jstr(e, "name") ?: "");
	}
}

static void print_stats(struct json_object *stats, const char *key, const char *what, FILE *out)
{
	struct json_object *a = jget(stats, key, json_type_array);
	char ekey[32];

	snprintf(ekey, sizeof(ekey), "%s_error", key);
	if (!a) {
		if (jstr(stats, ekey))
			fprintf(out, "\nKVM_GET_STATS_FD on %s failed: %s\n", what, jstr(stats, ekey));
		return;
	}
	fprintf(out, "\nBinary stats of %s (KVM_GET_STATS_FD, %zu descriptors):\n", what, jlen(a));
	fprintf(out, "  %-36s %-12s %-8s %-6s %4s %4s\n", "name", "type", "unit", "base", "exp",
		"size");
	for (size_t i = 0; i < jlen(a); i++) {
		struct json_object *e = jidx(a, i);

		fprintf(out, "  %-36s %-12s %-8s %-6s %4lld %4lld\n", jstr(e, "name") ?: "?",
			jstr(e, "type") ?: "?", jstr(e, "unit") ?: "?", jstr(e, "base") ?: "?",
			jint(e, "exponent", 0), jint(e, "size", 0));
	}
}

static void print_names(struct json_object *a, const char *key, const char *title, FILE *out)
{
	fprintf(out, "\n%s the header names (%zu):\n", title, jlen(a));
	for (size_t i = 0; i < jlen(a); i++) {
		struct json_object *e = jidx(a, i);

		if (!strcmp(key, "request"))
			fprintf(out, "  %#10llx %s\n", jint(e, key, 0), jstr(e, "name") ?: "?");
		else
			fprintf(out, "  %10lld %s\n", jint(e, key, 0), jstr(e, "name") ?: "?");
	}
}

void features_print(struct json_object *f, FILE *out)
{
	struct json_object *k = jget(f, "kernel", json_type_object);
	struct json_object *types = jget(k, "vm_types", json_type_array);

	fprintf(out, "header: %s\n", jstr(f, "header") ?: "?");
	if (!k) {
		fprintf(out, "kernel: none answered (%s): only the header's names below\n",
			jstr(f, "kernel_error") ?: "no /dev/kvm");
	} else {
		fprintf(out, "kernel: KVM API version %lld, flavour %s, vCPU mmap size %lld bytes, "
			"CPU vendor %s\n", jint(k, "api_version", -1), jstr(k, "flavour") ?: "?",
			jint(k, "vcpu_mmap_size", -1), jstr(k, "cpu_vendor") ?: "?");
		if (types) {
			fprintf(out, "VM types (KVM_CAP_VM_TYPES):");
			for (size_t i = 0; i < jlen(types); i++)
				fprintf(out, " %lld", (long long)json_object_get_int64(jidx(types, i)));
			fputc('\n', out);
		} else if (jstr(k, "vm_types_note")) {
			fprintf(out, "VM types: %s\n", jstr(k, "vm_types_note"));
		}
		if (jstr(k, "vm_error"))
			fprintf(out, "KVM_CREATE_VM failed: %s\n", jstr(k, "vm_error"));
	}
	print_caps(jget(f, "capabilities", json_type_array), k != NULL, out);
	print_names(jget(f, "exit_reasons", json_type_array), "number", "Exit reasons", out);
	print_names(jget(f, "ioctls", json_type_array), "request", "Ioctls", out);
	if (!k)
		return;
	print_cpuid(k, out);
	print_msrs(k, "msrs", "KVM_GET_MSR_INDEX_LIST", out);
	print_msrs(k, "msr_features", "KVM_GET_MSR_FEATURE_INDEX_LIST", out);
	print_stats(jget(k, "stats", json_type_object), "vm", "a VM", out);
	print_stats(jget(k, "stats", json_type_object), "vcpu", "a vCPU", out);
}

int features_cap_value(struct json_object *f, const char *name, long *sys, long *vm,
		       const char **full)
{
	struct json_object *caps = jget(f, "capabilities", json_type_array);
	char *end;
	long num = strtol(name, &end, 0);
	bool is_num = *name && !*end;

	for (size_t i = 0; i < jlen(caps); i++) {
		struct json_object *c = jidx(caps, i);
		const char *n = jstr(c, "name");

		if (!n)
			continue;
		if (is_num ? jint(c, "number", -1) == num :
		    !strcasecmp(n, name) || (!strncmp(n, "KVM_CAP_", 8) && !strcasecmp(n + 8, name))) {
			*sys = jint(c, "sys", -1);
			*vm = jint(c, "vm", -1);
			*full = n;
			return 1;
		}
	}
	return 0;
}

/* --diff: a set of array elements named by a key string. */
typedef void (*key_fn)(struct json_object *e, char *buf, size_t len);
typedef int (*cmp_fn)(const char *key, struct json_object *a, struct json_object *b, FILE *out);

static void key_name(struct json_object *e, char *buf, size_t len)
{
	snprintf(buf, len, "%s", jstr(e, "name") ?: "");
}

static void key_msr(struct json_object *e, char *buf, size_t len)
{
	const char *n = jstr(e, "name");

	snprintf(buf, len, "0x%08llx%s%s", jint(e, "index", 0) & 0xffffffffLL, n ? " " : "",
		 n ?: "");
}

static void key_cpuid(struct json_object *e, char *buf, size_t len)
{
	snprintf(buf, len, "leaf 0x%08llx.%lld", jint(e, "function", 0) & 0xffffffffLL,
		 jint(e, "index", 0));
}

static struct json_object *find_key(struct json_object *a, key_fn kf, const char *key)
{
	char buf[128];

	for (size_t i = 0; i < jlen(a); i++) {
		kf(jidx(a, i), buf, sizeof(buf));
		if (!strcmp(buf, key))
			return jidx(a, i);
	}
	return NULL;
}

static int diff_set(struct json_object *oa, struct json_object *na, const char *what,
		    key_fn kf, cmp_fn cf, FILE *out)
{
	char buf[128];
	int n = 0;

	for (size_t i = 0; i < jlen(oa); i++) {
		struct json_object *o = jidx(oa, i), *m;

		kf(o, buf, sizeof(buf));
		m = find_key(na, kf, buf);
		if (!m) {
			fprintf(out, "- %s %s\n", what, buf);
			n++;
		} else if (cf) {
			n += cf(buf, o, m, out);
		}
	}
	for (size_t i = 0; i < jlen(na); i++) {
		kf(jidx(na, i), buf, sizeof(buf));
		if (!find_key(oa, kf, buf)) {
			fprintf(out, "+ %s %s\n", what, buf);
			n++;
		}
	}
	return n;
}

static void fmt_val(struct json_object *o, const char *k, char *buf, size_t len)
{
	if (jget(o, k, json_type_int))
		snprintf(buf, len, "%lld", jint(o, k, 0));
	else
		snprintf(buf, len, "-");
}

static int cmp_cap(const char *key, struct json_object *a, struct json_object *b, FILE *out)
{
	char as[24], av[24], bs[24], bv[24];

	fmt_val(a, "sys", as, sizeof(as));
	fmt_val(a, "vm", av, sizeof(av));
	fmt_val(b, "sys", bs, sizeof(bs));
	fmt_val(b, "vm", bv, sizeof(bv));
	if (!strcmp(as, bs) && !strcmp(av, bv))
		return 0;
	fprintf(out, "~ capability %s: system fd %s -> %s, VM fd %s -> %s\n", key, as, bs, av, bv);
	return 1;
}

/*
 * Bits of a CPUID register that name the CPU the probe ran on rather than
 * what KVM supports (KVM passes the host's through on some kernels): the
 * initial APIC ID in leaf 1 EBX[31:24] (SDM vol. 2A), the x2APIC ID in
 * leaves 0xB and 0x1F EDX, the extended APIC ID in AMD's 0x8000001E EAX
 * (APM vol. 3 appendix E). --diff ignores them.
 */
static long long cpuid_stable_mask(long long function, int reg)
{
	if (function == 1 && reg == 1)
		return 0x00ffffffLL;
	if ((function == 0xb || function == 0x1f) && reg == 3)
		return 0;
	if (function == 0x8000001eLL && reg == 0)
		return 0;
	return 0xffffffffLL;
}

static int cmp_cpuid(const char *key, struct json_object *a, struct json_object *b, FILE *out)
{
	static const char *const regs[] = { "eax", "ebx", "ecx", "edx" };
	int n = 0;

	for (int r = 0; r < 4; r++) {
		long long x = jint(a, regs[r], 0), y = jint(b, regs[r], 0);
		long long m = cpuid_stable_mask(jint(a, "function", -1), r);
		struct json_object *fa, *fb;

		if ((x & m) == (y & m))
			continue;
		n++;
		fprintf(out, "~ cpuid %s %s: 0x%08llx -> 0x%08llx", key, regs[r],
			x & 0xffffffffLL, y & 0xffffffffLL);
		fa = jget(jget(a, "flags_set", json_type_object), regs[r], json_type_array);
		fb = jget(jget(b, "flags_set", json_type_object), regs[r], json_type_array);
		for (int pass = 0; pass < 2; pass++) {
			struct json_object *from = pass ? fb : fa, *other = pass ? fa : fb;

			for (size_t i = 0; i < jlen(from); i++) {
				const char *s = json_object_get_string(jidx(from, i));
				bool found = false;

				for (size_t j = 0; s && j < jlen(other); j++)
					found |= !strcmp(s, json_object_get_string(jidx(other, j)) ?: "");
				if (s && !found)
					fprintf(out, " %c%s", pass ? '+' : '-', s);
			}
		}
		fputc('\n', out);
	}
	return n;
}

static int diff_scalar(struct json_object *a, struct json_object *b, const char *k, FILE *out)
{
	struct json_object *x = NULL, *y = NULL;
	const char *xs, *ys;

	if (a)
		json_object_object_get_ex(a, k, &x);
	if (b)
		json_object_object_get_ex(b, k, &y);
	xs = x ? json_object_to_json_string_ext(x, JSON_C_TO_STRING_NOSLASHESCAPE) : "null";
	xs = strdupa(xs);	/* the next call may reuse json-c's buffer */
	ys = y ? json_object_to_json_string_ext(y, JSON_C_TO_STRING_NOSLASHESCAPE) : "null";
	if (!strcmp(xs, ys))
		return 0;
	fprintf(out, "~ %s: %s -> %s\n", k, xs, ys);
	return 1;
}

int features_diff(struct json_object *old, struct json_object *new, FILE *out,
		  char *err, size_t errlen)
{
	struct json_object *ok = jget(old, "kernel", json_type_object);
	struct json_object *nk = jget(new, "kernel", json_type_object);
	struct json_object *os = jget(ok, "stats", json_type_object);
	struct json_object *ns = jget(nk, "stats", json_type_object);
	char e[160];
	int n = 0;

	if (!features_check(old, e, sizeof(e))) {
		snprintf(err, errlen, "old report: %s", e);
		return -1;
	}
	if (!features_check(new, e, sizeof(e))) {
		snprintf(err, errlen, "new report: %s", e);
		return -1;
	}
	n += diff_scalar(old, new, "header", out);
	if (!ok != !nk) {
		fprintf(out, "~ kernel: %s -> %s\n", ok ? "answered" : "none",
			nk ? "answered" : "none");
		n++;
	}
	n += diff_scalar(ok, nk, "api_version", out);
	n += diff_scalar(ok, nk, "flavour", out);
	n += diff_scalar(ok, nk, "vcpu_mmap_size", out);
	n += diff_scalar(ok, nk, "cpu_vendor", out);
	n += diff_scalar(ok, nk, "vm_types", out);
	n += diff_set(jget(old, "capabilities", json_type_array),
		      jget(new, "capabilities", json_type_array), "capability", key_name,
		      ok && nk ? cmp_cap : NULL, out);
	n += diff_set(jget(old, "exit_reasons", json_type_array),
		      jget(new, "exit_reasons", json_type_array), "exit reason", key_name,
		      NULL, out);
	n += diff_set(jget(old, "ioctls", json_type_array), jget(new, "ioctls", json_type_array),
		      "ioctl", key_name, NULL, out);
	n += diff_set(jget(ok, "cpuid", json_type_array), jget(nk, "cpuid", json_type_array),
		      "cpuid", key_cpuid, cmp_cpuid, out);
	n += diff_set(jget(ok, "msrs", json_type_array), jget(nk, "msrs", json_type_array),
		      "MSR", key_msr, NULL, out);
	n += diff_set(jget(ok, "msr_features", json_type_array),
		      jget(nk, "msr_features", json_type_array), "feature MSR", key_msr, NULL, out);
	n += diff_set(jget(os, "vm", json_type_array), jget(ns, "vm", json_type_array),
		      "VM stat", key_name, NULL, out);
	n += diff_set(jget(os, "vcpu", json_type_array), jget(ns, "vcpu", json_type_array),
		      "vCPU stat", key_name, NULL, out);
	return n;
}
