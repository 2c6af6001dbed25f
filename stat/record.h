/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lkvm stat record files: what `lkvm stat record` writes and `lkvm stat
 * report` reads. Version 1, every integer little endian, documented in
 * Documentation/lkvm-stat.txt ("RECORD FILE FORMAT"):
 *
 *   file header (16 bytes): "LKVMSTAT", u16 version, u16 header size (16),
 *                           u32 flags (0)
 *   records:                u16 type, u16 flags (0), u32 payload length,
 *                           payload
 *
 * The first record is INFO, the last END; a file without END was cut
 * short. Readers skip record types they do not know, so later versions of
 * lkvm can add records without breaking this reader; a change to an
 * existing record bumps the version.
 */
#ifndef LKVM_STAT_RECORD_H
#define LKVM_STAT_RECORD_H

#include <stdio.h>

#include "hv/acct.h"
#include "stat/event.h"
#include "stat/kstats.h"
#include "util/util.h"

#define STAT_REC_MAGIC		"LKVMSTAT"
#define STAT_REC_VERSION	1
#define STAT_REC_HDR_SIZE	16	/* bytes */
#define STAT_REC_EVENT_SIZE	40	/* bytes per event */
#define STAT_REC_MAX_PAYLOAD	(64 * SZ_1M)	/* bytes per record */
#define STAT_REC_STR_MAX	4096	/* bytes per string */

enum stat_rec_type {
	REC_INFO = 1,	/* the guest and the recording (struct stat_rec_info) */
	REC_EVENTS = 2,	/* n x 40-byte events */
	REC_LOST = 3,	/* u32 vCPU, u32 0, u64 events the kernel dropped */
	REC_KSTATS = 4,	/* u32 phase (0 start, 1 end), then a kstat_snap */
	REC_ACCT = 5,	/* u32 phase (0 start, 1 end, 2 device names only), then an
			 * exit_acct (hv/acct.h) */
	REC_END = 6,	/* u64 duration ns, u64 events written */
};

/* Sources, as bits of stat_rec_info.sources and of --source. */
#define STAT_SRC_BPF	(1u << 0)
#define STAT_SRC_TRACE	(1u << 1)
#define STAT_SRC_STATS	(1u << 2)
#define STAT_SRC_LKVM	(1u << 3)

/* INFO: u32 pid, u32 nr_vcpus, u32 flavour, u32 sources, u64 start
 * (CLOCK_REALTIME ns), u64 start (CLOCK_MONOTONIC ns), then the strings
 * name, kernel and symbols (u16 length + bytes each). */
struct stat_rec_info {
	u32 pid;
	u32 nr_vcpus;
	u32 flavour;		/* enum kvm_flavour of the host */
	u32 sources;		/* STAT_SRC_* recorded */
	u64 start_real_ns;
	u64 start_ns;
	char name[STAT_REC_STR_MAX + 1];
	char kernel[STAT_REC_STR_MAX + 1];
	char symbols[STAT_REC_STR_MAX + 1];	/* "" if none was found */
};

/* A file being written. Events are buffered and written in batches. */
struct stat_writer {
	FILE *f;
	u8 *buf;		/* pending events */
	size_t len;
	u64 nr_events;
	int error;		/* errno of the first failed write, or 0 */
};

/*
 * stat_writer_open - create @path ("-" is stdout) and write the header and
 * INFO record. Returns 0, or -1 with a one-line reason in @err.
 * The other calls return 0 or -1 (errno in w->error); stat_writer_close
 * writes END, flushes and closes, and reports any earlier failure.
 */
int stat_writer_open(struct stat_writer *w, const char *path,
		     const struct stat_rec_info *info, char *err, size_t errlen);
int stat_writer_event(struct stat_writer *w, const struct stat_event *ev);
int stat_writer_lost(struct stat_writer *w, u32 vcpu, u64 lost);
int stat_writer_kstats(struct stat_writer *w, u32 phase, const struct kstat_snap *s);
int stat_writer_acct(struct stat_writer *w, u32 phase, const struct exit_acct *a);
int stat_writer_close(struct stat_writer *w, u64 duration_ns, char *err, size_t errlen);

/* A whole record file, read back. */
struct stat_recording {
	struct stat_rec_info info;
	struct stat_event *ev;
	size_t nr_ev;
	u64 lost;
	struct kstat_snap kstats[2];	/* start, end */
	bool have_kstats[2];
	struct exit_acct acct[3];	/* start, end, device names */
	bool have_acct[3];
	u64 duration_ns;
};

/*
 * stat_recording_parse - check and decode the @len bytes of a record file
 * at @buf into @r (allocated; stat_recording_free). Returns 0, or -1 with
 * one line in @err: not a record file (magic), another version, a
 * truncated header or record ("truncated at byte N: ..."), a record
 * without END, INFO missing or not first, a record too large, an event of
 * unknown type or vCPU out of range, an END whose event count disagrees.
 */
int stat_recording_parse(const u8 *buf, size_t len, struct stat_recording *r,
			 char *err, size_t errlen);

/* stat_recording_read - read @path and parse it; errors start with the path. */
int stat_recording_read(const char *path, struct stat_recording *r, char *err, size_t errlen);

/* stat_recording_free - release @r and zero it. */
void stat_recording_free(struct stat_recording *r);

/* stat_event_encode / stat_event_decode - one event as its 40 bytes. */
void stat_event_encode(u8 out[STAT_REC_EVENT_SIZE], const struct stat_event *ev);
void stat_event_decode(const u8 in[STAT_REC_EVENT_SIZE], struct stat_event *ev);

#endif
