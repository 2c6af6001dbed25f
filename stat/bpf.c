// SPDX-License-Identifier: GPL-2.0
/*
 * lkvm stat source 1, user side: load, attach and read the maps of
 * stat/stat.bpf.c (see stat/bpf.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stat/bpf.h"
#include "util/log.h"

#include <linux/types.h>
#include "stat/bpf-maps.h"

/* 1 in this many exits is timed; set before the load (stat_bpf_set_sample). */
static unsigned int sample_every = SB_DEF_SAMPLE;

int stat_bpf_set_sample(unsigned int every)
{
	if (!every)
		every = SB_DEF_SAMPLE;
	if (every > 65536 || (every & (every - 1))) {
		errno = EINVAL;
		return -1;
	}
	sample_every = every;
	return 0;
}

#ifdef LKVM_NO_BPF

unsigned int stat_bpf_sample(const struct stat_bpf *b)
{
	return sample_every;
}

struct stat_bpf *stat_bpf_open(pid_t tgid, const pid_t *tids, int n, char *err, size_t errlen)
{
	set_err(err, errlen, "this lkvm was built without BPF support");
	errno = ENOSYS;
	return NULL;
}

int stat_bpf_snapshot(struct stat_bpf *b, struct stat_agg *out)
{
	errno = ENOSYS;
	return -1;
}

const char *stat_bpf_attached(const struct stat_bpf *b)
{
	return "";
}

void stat_bpf_close(struct stat_bpf *b)
{
}

#else

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "stat/stat.skel.h"

_Static_assert(SB_CLS_VMX == STAT_CLS_VMX && SB_CLS_SVM == STAT_CLS_SVM &&
	       SB_CLS_EV == STAT_CLS_EV && SB_CLS_USER == STAT_CLS_USER, "classes");
_Static_assert(SB_EV_IO == STAT_EV_IO && SB_EV_MMIO == STAT_EV_MMIO &&
	       SB_EV_MSR_READ == STAT_EV_MSR_READ && SB_EV_MSR_WRITE == STAT_EV_MSR_WRITE &&
	       SB_EV_CPUID == STAT_EV_CPUID && SB_EV_EMULATE == STAT_EV_EMULATE, "reasons");
_Static_assert(SB_TAB_REASON == ST_REASON && SB_TAB_PIO == ST_PIO && SB_TAB_MMIO == ST_MMIO &&
	       SB_TAB_MSR == ST_MSR && SB_TAB_CPUID == ST_CPUID && SB_TAB_RIP == ST_RIP, "tables");
_Static_assert(SB_BUCKETS == HIST_BUCKETS && SB_USER_ERR == STAT_USER_ERR, "layout");
_Static_assert(SB_MAX_THREADS >= STAT_MAX_VCPUS, "threads map");

struct stat_bpf {
	struct stat_bpf_skel *skel;
	bool btf;		/* tp_btf programs, not classic tracepoints */
	struct bpf_link *links[16];
	int nr_links;
	char attached[256];
};

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[1024];

	if (log_level < LOG_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	pr_debug("libbpf: %s", line);
	return 0;
}

/* Does the kernel have tracepoint "tp/<sys>/<name>"? When tracefs cannot be
 * read, assume it does and let the attach decide. */
static bool tp_exists(const char *sec)
{
	static const char *const roots[] = { "/sys/kernel/tracing/events",
					     "/sys/kernel/debug/tracing/events" };
	char path[256];

	if (strncmp(sec, "tp/", 3))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
		if (access(roots[i], X_OK))
			continue;
		snprintf(path, sizeof(path), "%s/%s", roots[i], sec + 3);
		return access(path, F_OK) == 0;
	}
	return true;
}

/* Does classic tracepoint program @sec ("tp/kvm/kvm_pio") have a tp_btf
 * twin? All but kvm_exit, whose exit reason is no argument. */
static bool has_btf_twin(const char *sec)
{
	return !strncmp(sec, "tp/kvm/", 7) && strcmp(sec, "tp/kvm/kvm_exit");
}

/*
 * Open and load the object with the tp_btf programs (@btf) or the classic
 * tracepoint ones in their place. Returns 0, or -1 with errno.
 */
static int load(struct stat_bpf *b, pid_t tgid, bool btf)
{
	struct bpf_program *prog;

	b->skel = stat_bpf_skel__open();
	if (!b->skel)
		return -1;
	b->skel->rodata->targ_tgid = (__u32)tgid;
	b->skel->rodata->sample_mask = sample_every - 1;
	bpf_object__for_each_program(prog, b->skel->obj) {
		const char *sec = bpf_program__section_name(prog);
		bool on;

		if (!strncmp(sec, "tp_btf/", 7))
			on = btf;
		else
			on = !(btf && has_btf_twin(sec)) && tp_exists(sec);
		bpf_program__set_autoload(prog, on);
	}
	if (stat_bpf_skel__load(b->skel)) {
		int e = errno;

		stat_bpf_skel__destroy(b->skel);
		b->skel = NULL;
		errno = e;
		return -1;
	}
	b->btf = btf;
	return 0;
}

struct stat_bpf *stat_bpf_open(pid_t tgid, const pid_t *tids, int n, char *err, size_t errlen)
{
	struct stat_bpf *b = xzalloc(sizeof(*b));
	struct bpf_program *prog;
	int e, fd;

	libbpf_set_print(libbpf_log);
	if (load(b, tgid, true) < 0) {
		pr_debug("BPF: BTF-typed tracepoints refused (%s); using classic ones",
			 strerror(errno));
		if (load(b, tgid, false) < 0) {
			e = errno;
			if (e == EPERM || e == EACCES)
				set_err(err, errlen, "no privilege to load BPF programs (needs CAP_BPF and CAP_PERFMON, or root)");
			else
				set_err(err, errlen, "cannot load the BPF program: %s", strerror(e));
			goto fail;
		}
	}
	fd = bpf_map__fd(b->skel->maps.threads);
	for (int i = 0; i < n && i < STAT_MAX_VCPUS; i++) {
		struct sb_tstate st = { .vcpu = (__u32)i };
		__u32 tid = (__u32)tids[i];

		if (tids[i] > 0 && bpf_map_update_elem(fd, &tid, &st, BPF_ANY)) {
			e = errno;
			set_err(err, errlen, "cannot fill the BPF thread map: %s", strerror(e));
			goto fail;
		}
	}
	bpf_object__for_each_program(prog, b->skel->obj) {
		const char *sec = bpf_program__section_name(prog);
		struct bpf_link *l;
		const char *tp;

		if (!bpf_program__autoload(prog) || b->nr_links >= (int)ARRAY_SIZE(b->links))
			continue;
		l = bpf_program__attach(prog);
		if (!l) {
			e = errno;
			if (e == EPERM || e == EACCES) {
				set_err(err, errlen, "no privilege to attach to tracepoints (needs CAP_PERFMON, or root)");
				goto fail;
			}
			pr_debug("BPF: cannot attach %s: %s", sec, strerror(e));
			continue;
		}
		b->links[b->nr_links++] = l;
		tp = strrchr(sec, '/');
		tp = tp ? tp + 1 : sec;
		if (strlen(b->attached) + strlen(tp) + 2 < sizeof(b->attached))
			snprintf(b->attached + strlen(b->attached),
				 sizeof(b->attached) - strlen(b->attached), "%s%s",
				 b->attached[0] ? " " : "", tp);
	}
	if (!strstr(b->attached, "kvm_")) {
		e = ENOENT;
		set_err(err, errlen, "no kvm tracepoint could be attached");
		goto fail;
	}
	return b;
fail:
	stat_bpf_close(b);
	errno = e;
	return NULL;
}

int stat_bpf_snapshot(struct stat_bpf *b, struct stat_agg *out)
{
	int cfd = bpf_map__fd(b->skel->maps.counts);
	int hfd = bpf_map__fd(b->skel->maps.hists);
	struct sb_ckey ck, cnext;
	struct sb_hkey hk, hnext;
	void *prev = NULL;

	memset(out, 0, sizeof(*out));
	while (bpf_map_get_next_key(cfd, prev, &cnext) == 0) {
		struct sb_cval v;
		struct stat_vcpu *vc;
		struct stat_row *r;

		ck = cnext;
		prev = &ck;
		if (bpf_map_lookup_elem(cfd, &ck, &v) || ck.tab >= ST_NR)
			continue;
		vc = stat_agg_vcpu(out, ck.vcpu);
		if (!vc)
			continue;
		r = stat_table_get(&vc->t[ck.tab], ck.key);
		r->count = v.count;
		r->reads = v.reads;
		r->writes = v.writes;
	}
	prev = NULL;
	while (bpf_map_get_next_key(hfd, prev, &hnext) == 0) {
		struct sb_hval v;
		struct stat_vcpu *vc;
		struct hist *h;

		hk = hnext;
		prev = &hk;
		if (bpf_map_lookup_elem(hfd, &hk, &v))
			continue;
		vc = stat_agg_vcpu(out, hk.vcpu);
		if (!vc)
			continue;
		h = stat_row_lat(stat_table_get(&vc->t[ST_REASON], hk.key));
		h->count = v.count;
		h->sum = v.sum;
		h->min = v.min;
		h->max = v.max;
		memcpy(h->bucket, v.bucket, sizeof(h->bucket));
		memcpy(h->bucket_sum, v.bucket_sum, sizeof(h->bucket_sum));
	}
	/* The reasons each thread counts in its own arrays. */
	{
		int tfd = bpf_map__fd(b->skel->maps.threads);
		__u32 tk, tnext;
		void *tprev = NULL;

		while (bpf_map_get_next_key(tfd, tprev, &tnext) == 0) {
			struct sb_tstate st;
			struct stat_vcpu *vc;

			tk = tnext;
			tprev = &tk;
			if (bpf_map_lookup_elem(tfd, &tk, &st))
				continue;
			vc = stat_agg_vcpu(out, st.vcpu);
			if (!vc)
				continue;
			for (u32 i = 0; i < SB_NR_EV; i++)
				if (st.ev_count[i])
					stat_table_get(&vc->t[ST_REASON],
						       STAT_KEY(STAT_CLS_EV, i))->count += st.ev_count[i];
			for (u32 i = 0; i < SB_NR_USER; i++) {
				u32 code = i < 64 ? i : i == SB_USER_EINTR ? STAT_USER_ERR | 4 :
					   i == SB_USER_EAGAIN ? STAT_USER_ERR | 11 : STAT_USER_ERR;

				struct stat_row *r;

				if (!st.user_count[i])
					continue;
				r = stat_table_get(&vc->t[ST_REASON], STAT_KEY(STAT_CLS_USER, code));
				r->count += st.user_count[i];
			}
			/* The counts not yet in the map (a racing flush may count
			 * a run twice in a live view; the last snapshot, after
			 * the guest stopped, is exact). */
			if (st.pc_count && st.pc_tab < ST_NR) {
				struct stat_row *r = stat_table_get(&vc->t[st.pc_tab], st.pc_key);

				r->count += st.pc_count;
				r->reads += st.pc_reads;
				r->writes += st.pc_writes;
			}
		}
	}
	out->have_hw = b->skel->bss->seen_hw_exit != 0;
	out->lost = b->skel->bss->dropped;
	return 0;
}

const char *stat_bpf_attached(const struct stat_bpf *b)
{
	return b->attached;
}

unsigned int stat_bpf_sample(const struct stat_bpf *b)
{
	return b->skel->rodata->sample_mask + 1;
}

void stat_bpf_close(struct stat_bpf *b)
{
	if (!b)
		return;
	for (int i = 0; i < b->nr_links; i++)
		bpf_link__destroy(b->links[i]);
	stat_bpf_skel__destroy(b->skel);
	free(b);
}

#endif
