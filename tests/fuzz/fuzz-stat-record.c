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
	for (size_t i = 0; i < r.nr_ev; i++)
		stat_agg_event(&agg, &r.ev[i]);
	agg.lost = r.lost;
	v.name = r.info.name;
	v.pid = (int)r.info.pid;
	v.nr_vcpus = r.info.nr_vcpus;
	v.flavour = r.info.flavour;
	v.seconds = (double)r.duration_ns / 1e9;
	v.events_from = "fuzz";
	v.vcpu = -1;
	if (r.info.sources & STAT_SRC_TRACE)
		v.agg = &agg;
	if (r.have_kstats[0] && r.have_kstats[1]) {
		v.ks0 = &r.kstats[0];
		v.ks1 = &r.kstats[1];
	}
	if (r.have_acct[0] && r.have_acct[1]) {
		v.ac0 = &r.acct[0];
		v.ac1 = &r.acct[1];
	}
	if (r.have_acct[2])
		v.devices = &r.acct[2];
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
