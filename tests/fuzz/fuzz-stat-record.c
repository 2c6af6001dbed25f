// SPDX-License-Identifier: GPL-2.0
/*
 * lkvm stat record files (stat/record.c) as `lkvm stat report -i FILE`
 * reads them: the file header, every record type (INFO, EVENTS, LOST,
 * KSTATS with stat/kstats.c's snapshot codec, ACCT with hv/acct.c's
 * codec, END), then the report printed from whatever decoded, with every
 * section, for all vCPUs and for one. The format is in
 * Documentation/lkvm-stat.txt ("RECORD FILE FORMAT").
 *
 * Input: the record file. Checked: no sanitizer report, no leak, no
 * timeout (the report must stay about linear in the file).
 */
#include <stdio.h>
#include <stdlib.h>

#include "stat/agg.h"
#include "stat/record.h"
#include "stat/report.h"
#include "tests/fuzz/fuzz.h"

static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_level = LOG_ERROR;
	sink = fopen("/dev/null", "w");
	return sink ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct stat_recording r;
	struct stat_agg agg = { 0 };
	struct stat_view v = { 0 };
	char err[600];

	if (stat_recording_parse(data, size, &r, err, sizeof(err)) < 0)
		return 0;
	stat_view_from_recording(&v, &r, &agg);
	v.events_from = "fuzz";
	v.vcpu = -1;
	stat_report_print(sink, &v);
	/* One vCPU, sorted by time: as --vcpu 0 --sort time. */
	v.vcpu = 0;
	v.sort = STAT_SORT_TIME;
	v.top = 3;
	if (r.info.nr_vcpus)
		stat_report_print(sink, &v);
	stat_agg_free(&agg);
	stat_recording_free(&r);
	return 0;
}
