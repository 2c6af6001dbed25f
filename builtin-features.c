// SPDX-License-Identifier: GPL-2.0
/*
 * `lkvm features`: every KVM capability, exit reason and ioctl the build's
 * <linux/kvm.h> names, and what the running kernel answers for them, for
 * reviewers of new KVM ABI (Documentation/lkvm-features.txt). The work is
 * in hv/features-probe.c (asking) and hv/features-report.c (printing,
 * comparing); this file parses options and picks the exit status.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "builtin.h"
#include "hv/features.h"
#include "hv/kvm_diag.h"
#include "util/log.h"
#include "util/parse-options.h"

/* Exit statuses (Documentation/lkvm-features.txt). */
#define FEAT_OK 0		/* report printed; every asked capability supported; no diff */
#define FEAT_NO 1		/* a capability not supported; --diff found differences */
#define FEAT_ERROR 2		/* a file could not be read or is not a report */

static struct json_object *load(const char *path, const char *opt)
{
	struct json_object *f = json_object_from_file(path);
	char err[160];

	if (!f) {
		snprintf(err, sizeof(err), "%s", json_util_get_last_err() ?: strerror(errno));
		err[strcspn(err, "\n")] = '\0';
		pr_err("%s %s: cannot read it as JSON: %s (give a file saved with lkvm features --json)",
		       opt, path, err);
		return NULL;
	}
	if (!features_check(f, err, sizeof(err))) {
		pr_err("%s %s: not an lkvm features report: %s", opt, path, err);
		json_object_put(f);
		return NULL;
	}
	return f;
}

/* lkvm features CAP...: one line per capability; 1 if any is not supported. */
static int query(struct json_object *f, int n, const char **names)
{
	bool kernel = json_object_object_get_ex(f, "kernel", NULL) &&
		      json_object_get_type(json_object_object_get(f, "kernel")) == json_type_object;
	int status = FEAT_OK;

	for (int i = 0; i < n; i++) {
		const char *full;
		long sys, vm;

		if (!features_cap_value(f, names[i], &sys, &vm, &full)) {
			pr_err("'%s' is not a capability this build's <linux/kvm.h> names "
			       "(list them with lkvm features; build with KERNEL_DIR= for a newer tree)",
			       names[i]);
			status = FEAT_NO;
			continue;
		}
		if (!kernel) {
			printf("%s unknown (no kernel answered)\n", full);
			status = FEAT_NO;
			continue;
		}
		printf("%s %s (system fd %ld, VM fd %ld)\n", full,
		       sys > 0 || vm > 0 ? "supported" : "not supported", sys, vm);
		if (!(sys > 0 || vm > 0))
			status = FEAT_NO;
	}
	return status;
}

int cmd_features(int argc, const char **argv)
{
	static const char *const usage[] = {
		"lkvm features [--json] [--device PATH] [-i FILE]",
		"lkvm features [<options>] KVM_CAP_NAME...",
		"lkvm features [<options>] --diff OLD.json",
		NULL,
	};
	const char *diff = NULL, *input = NULL, *dev = kvm_dev_path();
	bool json = false;
	const struct option opts[] = {
		OPT_BOOLEAN(0, "json", &json, "print the report as JSON (for scripts and --diff)"),
		OPT_STRING(0, "diff", &diff, "FILE",
			   "compare with a saved --json report: what changed from FILE to this one"),
		OPT_STRING('i', "input", &input, "FILE",
			   "use a saved --json report instead of asking the kernel"),
		OPT_STRING(0, "device", &dev, "PATH", "the KVM device to ask (default $LKVM_DEV_KVM or /dev/kvm)"),
		OPT_END(),
	};
	struct json_object *f, *old;
	char err[200];
	int n, status = FEAT_OK;

	n = parse_options(argc, argv, opts, usage, 0);
	if (n && (json || diff))
		parse_options_error("features", "capability names cannot go with --%s",
				    json ? "json" : "diff");
	if (json && diff)
		parse_options_error("features", "--json and --diff: give one");
	f = input ? load(input, "-i") : features_probe(dev);
	if (!f)
		return FEAT_ERROR;
	if (n) {
		status = query(f, n, argv);
	} else if (diff) {
		old = load(diff, "--diff");
		if (!old) {
			json_object_put(f);
			return FEAT_ERROR;
		}
		n = features_diff(old, f, stdout, err, sizeof(err));
		if (n < 0) {
			pr_err("--diff %s: %s", diff, err);
			status = FEAT_ERROR;
		} else {
			printf("%d difference%s from %s\n", n, n == 1 ? "" : "s", diff);
			status = n ? FEAT_NO : FEAT_OK;
		}
		json_object_put(old);
	} else if (json) {
		puts(json_object_to_json_string_ext(f, JSON_C_TO_STRING_PRETTY |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		features_print(f, stdout);
	}
	json_object_put(f);
	return status;
}
