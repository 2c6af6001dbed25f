// SPDX-License-Identifier: GPL-2.0
/*
 * hv/features-report.c: --diff between two saved reports (a capability
 * added by a newer header, one whose support changed, a CPUID flag gained,
 * an MSR and a stat gone), capability look-ups, the check of a hostile
 * file; and hv/kvm-ioctl.c's trace line format for the common structs.
 */
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/features.h"
#include "hv/kvm-ioctl.h"
#include "tests/tap.h"
#include "util/util.h"

static const char old_json[] =
	"{ \"format\": 1, \"header\": \"/old/linux/kvm.h\","
	"  \"capabilities\": ["
	"    { \"name\": \"KVM_CAP_IRQCHIP\", \"number\": 0, \"sys\": 1, \"vm\": 1 },"
	"    { \"name\": \"KVM_CAP_BAR\", \"number\": 998, \"sys\": 0, \"vm\": 0 } ],"
	"  \"exit_reasons\": [ { \"name\": \"KVM_EXIT_IO\", \"number\": 2 } ],"
	"  \"ioctls\": [ { \"name\": \"KVM_RUN\", \"request\": 44672 } ],"
	"  \"kernel\": { \"api_version\": 12, \"flavour\": \"SVM\", \"vcpu_mmap_size\": 12288,"
	"    \"cpuid\": [ { \"function\": 1, \"index\": 0, \"eax\": 1, \"ebx\": 0, \"ecx\": 0,"
	"                   \"edx\": 1, \"flags_set\": { \"edx\": [ \"fpu\" ] } } ],"
	"    \"msrs\": [ { \"index\": 16, \"name\": \"IA32_TIME_STAMP_COUNTER\" },"
	"                { \"index\": 27, \"name\": \"IA32_APIC_BASE\" } ],"
	"    \"stats\": { \"vm\": [ { \"name\": \"remote_tlb_flush\" } ],"
	"                 \"vcpu\": [ { \"name\": \"exits\" }, { \"name\": \"old_stat\" } ] } } }";

static const char new_json[] =
	"{ \"format\": 1, \"header\": \"/old/linux/kvm.h\","
	"  \"capabilities\": ["
	"    { \"name\": \"KVM_CAP_IRQCHIP\", \"number\": 0, \"sys\": 1, \"vm\": 1 },"
	"    { \"name\": \"KVM_CAP_BAR\", \"number\": 998, \"sys\": 0, \"vm\": 1 },"
	"    { \"name\": \"KVM_CAP_FOO_BAR\", \"number\": 999, \"sys\": 1, \"vm\": 1 } ],"
	"  \"exit_reasons\": [ { \"name\": \"KVM_EXIT_IO\", \"number\": 2 } ],"
	"  \"ioctls\": [ { \"name\": \"KVM_RUN\", \"request\": 44672 } ],"
	"  \"kernel\": { \"api_version\": 12, \"flavour\": \"SVM\", \"vcpu_mmap_size\": 12288,"
	"    \"cpuid\": [ { \"function\": 1, \"index\": 0, \"eax\": 1, \"ebx\": 0, \"ecx\": 0,"
	"                   \"edx\": 3, \"flags_set\": { \"edx\": [ \"fpu\", \"vme\" ] } } ],"
	"    \"msrs\": [ { \"index\": 16, \"name\": \"IA32_TIME_STAMP_COUNTER\" } ],"
	"    \"stats\": { \"vm\": [ { \"name\": \"remote_tlb_flush\" } ],"
	"                 \"vcpu\": [ { \"name\": \"exits\" } ] } } }";

/* Run features_diff(@a, @b) and return its output (static buffer). */
static const char *diff(struct json_object *a, struct json_object *b, int *n)
{
	static char buf[4096];
	char err[160] = "";
	FILE *fp = fmemopen(buf, sizeof(buf), "w");

	*n = features_diff(a, b, fp, err, sizeof(err));
	fclose(fp);
	if (*n < 0)
		snprintf(buf, sizeof(buf), "%s", err);
	return buf;
}

static void test_diff(void)
{
	struct json_object *o = json_tokener_parse(old_json), *n = json_tokener_parse(new_json);
	const char *out;
	int nd;

	ok(o && n, "the two saved reports parse");
	out = diff(o, o, &nd);
	is_int(nd, 0, "a report against itself: no differences");
	out = diff(o, n, &nd);
	diag("%s", out);
	is_int(nd, 5, "old -> new: five differences");
	ok(strstr(out, "+ capability KVM_CAP_FOO_BAR\n") != NULL, "the new capability is '+'");
	ok(strstr(out, "~ capability KVM_CAP_BAR: system fd 0 -> 0, VM fd 0 -> 1\n") != NULL,
	   "a capability whose VM-fd value changed is '~' with both values");
	ok(strstr(out, "~ cpuid leaf 0x00000001.0 edx: 0x00000001 -> 0x00000003 +vme\n") != NULL,
	   "a CPUID register change names the flag gained");
	ok(strstr(out, "- MSR 0x0000001b IA32_APIC_BASE\n") != NULL, "a removed MSR is '-'");
	ok(strstr(out, "- vCPU stat old_stat\n") != NULL, "a removed vCPU stat is '-'");
	out = diff(n, o, &nd);
	ok(nd == 5 && strstr(out, "- capability KVM_CAP_FOO_BAR\n") &&
	   strstr(out, "edx: 0x00000003 -> 0x00000001 -vme"),
	   "new -> old: the same differences the other way round");
	/* The initial APIC ID (leaf 1 EBX[31:24]) names the CPU the report
	 * ran on: a report made on another CPU is no different. */
	{
		struct json_object *c = json_tokener_parse(old_json), *k, *cpuid, *e;

		json_object_object_get_ex(c, "kernel", &k);
		json_object_object_get_ex(k, "cpuid", &cpuid);
		e = json_object_array_get_idx(cpuid, 0);
		json_object_object_add(e, "ebx", json_object_new_int64(0x05000000));
		diff(o, c, &nd);
		is_int(nd, 0, "--diff ignores the APIC ID in leaf 1 EBX");
		json_object_object_add(e, "ebx", json_object_new_int64(0x05000800));
		out = diff(o, c, &nd);
		ok(nd == 1 && strstr(out, "ebx: 0x00000000 -> 0x05000800"),
		   "but not the rest of EBX");
		json_object_put(c);
	}
	json_object_put(o);
	json_object_put(n);
}

static void test_hostile(void)
{
	static const char *const bad[] = {
		"[]", "{ \"format\": 2, \"capabilities\": [] }", "{ \"format\": 1 }",
		"{ \"format\": \"1\", \"capabilities\": [] }",
	};
	struct json_object *good = json_tokener_parse(old_json);
	char err[160];
	int nd;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct json_object *b = json_tokener_parse(bad[i]);

		ok(b && !features_check(b, err, sizeof(err)) && err[0], "refused: %s (%s)", bad[i],
		   err);
		diff(good, b, &nd);
		is_int(nd, -1, "--diff refuses it");
		json_object_put(b);
	}
	/* Members of the wrong type are skipped, not trusted. */
	{
		struct json_object *b = json_tokener_parse(
			"{ \"format\": 1, \"capabilities\": [ 7, { \"name\": 5 }, "
			"{ \"name\": \"KVM_CAP_IRQCHIP\", \"sys\": \"x\" } ], \"kernel\": [] }");
		char *buf = NULL;
		size_t len = 0;
		FILE *fp = open_memstream(&buf, &len);

		features_print(b, fp);
		nd = features_diff(good, b, fp, err, sizeof(err));
		fclose(fp);
		ok(nd > 0 && buf && strstr(buf, "none answered"),
		   "mistyped members are skipped: report and diff still work");
		free(buf);
		json_object_put(b);
	}
	json_object_put(good);
}

static void test_cap_value(void)
{
	struct json_object *n = json_tokener_parse(new_json);
	const char *full = NULL;
	long sys, vm;

	ok(features_cap_value(n, "KVM_CAP_FOO_BAR", &sys, &vm, &full) && sys == 1 && vm == 1,
	   "look-up by full name");
	ok(features_cap_value(n, "foo_bar", &sys, &vm, &full) && !strcmp(full, "KVM_CAP_FOO_BAR"),
	   "look-up without the prefix, any case");
	ok(features_cap_value(n, "998", &sys, &vm, &full) && !strcmp(full, "KVM_CAP_BAR") &&
	   sys == 0 && vm == 1, "look-up by number");
	ok(!features_cap_value(n, "KVM_CAP_NONE", &sys, &vm, &full), "unknown name: not found");
	json_object_put(n);
}

static void test_trace_format(void)
{
	struct kvm_userspace_memory_region r = {
		.slot = 1, .guest_phys_addr = 0x100000, .memory_size = 0x200000,
		.userspace_addr = 0x7f0000000000,
	};
	struct kvm_ioeventfd io = { .addr = 0xcf8, .len = 4, .fd = 9 };
	struct kvm_irqfd irqfd = { .fd = 10, .gsi = 5 };
	struct {
		struct kvm_irq_routing r;
		struct kvm_irq_routing_entry e[2];
	} rt = { .r = { .nr = 2 } };
	struct kvm_run run = { .exit_reason = KVM_EXIT_IO };
	char buf[512];

	kvm_ioctl_format(buf, sizeof(buf), KVM_FD_VM, -1, NULL, KVM_SET_USER_MEMORY_REGION,
			 (unsigned long)&r, 0, 0, 12.5, false);
	is_str(buf, "vm KVM_SET_USER_MEMORY_REGION({slot=1 flags=0 gpa=0x100000 size=0x200000 "
	       "uaddr=0x7f0000000000}) = 0 <12.5 us>\n", "memory region decoded");
	kvm_ioctl_format(buf, sizeof(buf), KVM_FD_VM, -1, NULL, KVM_IOEVENTFD,
			 (unsigned long)&io, -1, 17, 1, false);
	is_str(buf, "vm KVM_IOEVENTFD({addr=0xcf8 len=4 fd=9 flags=0 datamatch=0}) = -1 EEXIST "
	       "(File exists) <1.0 us>\n", "ioeventfd decoded, errno named");
	kvm_ioctl_format(buf, sizeof(buf), KVM_FD_VM, -1, NULL, KVM_IRQFD,
			 (unsigned long)&irqfd, 0, 0, 2, false);
	is_str(buf, "vm KVM_IRQFD({fd=10 gsi=5 flags=0 resamplefd=0}) = 0 <2.0 us>\n",
	       "irqfd decoded");
	rt.e[0] = (struct kvm_irq_routing_entry){ .gsi = 4, .type = KVM_IRQ_ROUTING_IRQCHIP,
						  .u.irqchip = { .irqchip = 2, .pin = 4 } };
	rt.e[1] = (struct kvm_irq_routing_entry){ .gsi = 24, .type = KVM_IRQ_ROUTING_MSI,
						  .u.msi = { .address_lo = 0xfee00000, .data = 0x41 } };
	kvm_ioctl_format(buf, sizeof(buf), KVM_FD_VM, -1, NULL, KVM_SET_GSI_ROUTING,
			 (unsigned long)&rt, 0, 0, 3, false);
	is_str(buf, "vm KVM_SET_GSI_ROUTING({nr=2 gsi4=irqchip2:4 gsi24=msi:0xfee00000/0x41}) = 0 "
	       "<3.0 us>\n", "routing entries decoded");
	run.io.port = 0x3f8;
	run.io.direction = KVM_EXIT_IO_OUT;
	run.io.size = 1;
	run.io.count = 1;
	kvm_ioctl_format(buf, sizeof(buf), KVM_FD_VCPU, 3, &run, KVM_RUN, 0, 0, 0, 9, false);
	is_str(buf, "vcpu3 KVM_RUN() = 0 exit=KVM_EXIT_IO {port=0x3f8 out size=1 count=1} <9.0 us>\n",
	       "KVM_RUN shows the vCPU and the exit");
	kvm_ioctl_format(buf, sizeof(buf), KVM_FD_SYS, -1, NULL, KVM_CHECK_EXTENSION,
			 KVM_CAP_IRQCHIP, 1, 0, 0.5, false);
	is_str(buf, "sys KVM_CHECK_EXTENSION(KVM_CAP_IRQCHIP) = 1 <0.5 us>\n",
	       "KVM_CHECK_EXTENSION names the capability");
	kvm_ioctl_format(buf, 40, KVM_FD_VM, -1, NULL, KVM_SET_GSI_ROUTING,
			 (unsigned long)&rt, 0, 0, 3, false);
	ok(strlen(buf) == 39 && buf[38] == '\n', "a line cut to the buffer still ends in a newline");
}

int main(void)
{
	test_diff();
	test_hostile();
	test_cap_value();
	test_trace_format();
	return done_testing();
}
