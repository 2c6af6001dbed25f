/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lkvm features: what the build's <linux/kvm.h> names and what the running
 * kernel answers for it (capabilities on the system and a VM fd, API
 * version, flavour, VM types, supported CPUID, MSR lists, vCPU mmap size,
 * binary stats descriptors), as one JSON document (json-c) that the text
 * report, --json, --diff and the capability queries all read.
 * Source: Documentation/virt/kvm/api.rst, sections 4 (ioctls) and 8
 * (capabilities).
 */
#ifndef LKVM_FEATURES_H
#define LKVM_FEATURES_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

/* Version of the JSON layout below; --diff refuses other versions. */
#define FEATURES_FORMAT 1

/*
 * features_probe - build the report: the header's names always; with
 * @dev (normally "/dev/kvm") openable, the kernel's answers too, else
 * "kernel": null and "kernel_error" says why. Never fails (allocation
 * failure aborts). Caller frees with json_object_put(). Layout:
 *   { "format", "lkvm_version", "header", "capabilities": [{name, number,
 *     sys, vm}], "exit_reasons": [{name, number}], "ioctls": [{name,
 *     request}], "kernel": {api_version, flavour, vcpu_mmap_size, vm_types,
 *     cpu_vendor, cpuid: [{function, index, flags, eax..edx, flags_set:
 *     {reg: [names]}}], msrs: [{index, name}], msr_features, stats: {vm:
 *     [{name, type, unit, base, exponent, size}], vcpu}} }
 * sys/vm are KVM_CHECK_EXTENSION's values, null when not asked.
 */
struct json_object *features_probe(const char *dev);

/* features_print - the human report of @f (a features_probe() result or a
 * saved --json) on @out: supported, then unsupported capabilities, then
 * the kernel's answers. */
void features_print(struct json_object *f, FILE *out);

/*
 * features_diff - print on @out what changed from @old to @new (two
 * reports): capabilities, exit reasons and ioctls added or removed by the
 * header, support that changed, kernel values, CPUID entries and flags,
 * MSRs, stats names. One line each, "+", "-" or "~" first.
 * Returns the number of differences, or -1 (message in @err) when either
 * is not a features report of format FEATURES_FORMAT.
 */
int features_diff(struct json_object *old, struct json_object *new, FILE *out,
		  char *err, size_t errlen);

/*
 * features_cap_value - look capability @name up in @f: "KVM_CAP_X", "X"
 * (any case) or its number. Returns 1 and sets *@sys, *@vm (-1 when null)
 * and *@full (the full name), 0 if the header does not name it.
 */
int features_cap_value(struct json_object *f, const char *name, long *sys, long *vm,
		       const char **full);

/* features_check - true if @f looks like a report of our format; else
 * false with the reason in @err. For data read from a file. */
bool features_check(struct json_object *f, char *err, size_t errlen);

#endif
