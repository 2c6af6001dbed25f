// SPDX-License-Identifier: GPL-2.0
/*
 * The register dump printed when a guest crashes or takes an exit lkvm cannot
 * handle. The dump itself is x86_vcpu_dump() (hv/x86/debug.c), shared with
 * `lkvm debug`; here it goes to stderr through log_raw(), line by line, so
 * that a raw terminal gets its \r\n.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/kvm.h"
#include "hv/x86/debug.h"
#include "util/log.h"

void vcpu_dump(struct vcpu *vcpu)
{
	char *text = NULL, *line, *save;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	if (!fp) {
		log_raw("vCPU %d: no memory for the register dump\n", vcpu->id);
		return;
	}
	x86_vcpu_dump(vcpu, fp, x86_guest_symbols(vcpu->kvm));
	if (fclose(fp) || !text) {
		free(text);
		return;
	}
	/* One log_raw() per line: its buffer is smaller than a whole dump. */
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		log_raw("%s\n", line);
	free(text);
}
