// SPDX-License-Identifier: GPL-2.0
/*
 * Look-ups in the generated KVM name tables (hv/kvm-names.h). The tables are
 * small (a few hundred entries), so a linear search is enough.
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "hv/kvm-names.h"

const char *kvm_name_of(const struct kvm_name_table *t, unsigned long value)
{
	for (unsigned int i = 0; i < t->nr; i++) {
		if (t->names[i].value == value)
			return t->names[i].name;
	}
	return NULL;
}

bool kvm_value_of(const struct kvm_name_table *t, const char *prefix,
		  const char *name, unsigned long *value)
{
	size_t plen = prefix ? strlen(prefix) : 0;

	for (unsigned int i = 0; i < t->nr; i++) {
		const char *n = t->names[i].name;

		if (!strcasecmp(n, name) ||
		    (plen && !strncmp(n, prefix, plen) && !strcasecmp(n + plen, name))) {
			*value = t->names[i].value;
			return true;
		}
	}
	return false;
}
