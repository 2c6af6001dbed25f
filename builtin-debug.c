// SPDX-License-Identifier: GPL-2.0
/*
 * `lkvm debug`: look inside a running guest through its control socket
 * (Documentation/control-protocol.txt): register dumps, page-table walks,
 * memory, an NMI, a magic sysrq, and the KVM binary-stats fds. The guest
 * runs on except while its vCPUs are stopped to read their state.
 * Sources: Documentation/virt/kvm/api.rst (KVM_GET_STATS_FD, struct
 * kvm_stats_header), Linux Documentation/admin-guide/sysrq.rst.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "builtin.h"
#include "util/ctl-client.h"
#include "util/log.h"
#include "util/parse-options.h"

#define MEM_DEFAULT_LEN	256		/* bytes for --memory ADDR */
#define MEM_MAX_LEN	(16 * SZ_1M)	/* bytes, at most, per --memory */
#define STATS_ID_MAX	256		/* bytes of a stats id we print (KVM uses 48) */

static const char *const debug_usage[] = {
	"lkvm debug --name NAME [--dump] [--cpu N] [--symbols FILE]",
	"lkvm debug --name NAME --page-tables ADDR [--cpu N]",
	"lkvm debug --name NAME --memory ADDR[,LEN] [--virtual [--cpu N]]",
	"lkvm debug --name NAME --nmi CPU | --sysrq KEY | --stats-fds",
	NULL,
};

/* Parse a u64 (decimal or 0x hex) that must be all of @s. */
static bool parse_u64(const char *s, u64 *out)
{
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return !errno && !*end;
}

/* Make one request on @fd and print the guest's error if it fails.
 * Returns 0 with @rep filled, or -1 (@rep freed). */
static int call(int fd, const char *name, const struct ctl_request *rq, struct ctl_reply *rep)
{
	int ret = ctl_call(fd, rq, rep, CTL_TIMEOUT_MS);

	if (ret == 0 && rep->hdr.status == 0)
		return 0;
	ctl_report(name, ret, rep);
	ctl_reply_free(rep);
	return -1;
}

/* A text reply goes to stdout as it is. */
static int call_text(int fd, const char *name, const struct ctl_request *rq)
{
	struct ctl_reply rep;

	if (call(fd, name, rq, &rep) < 0)
		return -1;
	fwrite(rep.data, 1, rep.len, stdout);
	ctl_reply_free(&rep);
	return 0;
}

/* One hexdump -C style line: address, 16 bytes, their ASCII. */
static void hex_line(u64 addr, const u8 *p, size_t n)
{
	printf("%016llx ", (unsigned long long)addr);
	for (size_t i = 0; i < 16; i++) {
		if (i == 8)
			putchar(' ');
		if (i < n)
			printf(" %02x", p[i]);
		else
			printf("   ");
	}
	printf("  |");
	for (size_t i = 0; i < n; i++)
		putchar(p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '.');
	printf("|\n");
}

static int do_memory(int fd, const char *name, u64 addr, u64 len, bool virt, int cpu)
{
	u64 done = 0;

	while (done < len) {
		struct ctl_request rq = {
			.type = CTL_T_MEMORY, .id = 3,
			.mem = { .addr = addr + done, .len = (u32)MIN(len - done, (u64)CTL_MAX_PAYLOAD),
				 .cpu = (u32)cpu, .flags = virt ? CTL_MEM_VIRTUAL : 0 },
		};
		struct ctl_reply rep;

		if (call(fd, name, &rq, &rep) < 0)
			return -1;
		for (size_t o = 0; o < rep.len; o += 16)
			hex_line(addr + done + o, rep.data + o, MIN((size_t)16, rep.len - o));
		done += rep.len;
		if (rep.len < rq.mem.len) {
			ctl_reply_free(&rep);
			pr_err("guest '%s': %s address %#llx is not %s", name,
			       virt ? "virtual" : "physical", (unsigned long long)(addr + done),
			       virt ? "mapped to RAM" : "RAM");
			return -1;
		}
		ctl_reply_free(&rep);
	}
	return 0;
}

#ifdef KVM_GET_STATS_FD
/* What a stats fd says about itself: its id string and descriptor count. */
static void print_stats_fd(int sfd, const struct ctl_fd_entry *e)
{
	struct kvm_stats_header h;
	char id[STATS_ID_MAX + 1] = "";

	if (pread(sfd, &h, sizeof(h), 0) != (ssize_t)sizeof(h)) {
		printf("%s %u: fd %d, header not readable: %s\n",
		       e->kind == CTL_FD_VM ? "vm" : "vcpu", e->index, sfd, strerror(errno));
		return;
	}
	if (h.name_size > 0 && h.name_size <= STATS_ID_MAX &&
	    pread(sfd, id, h.name_size, h.id_offset) > 0)
		id[h.name_size] = 0;
	id[strnlen(id, STATS_ID_MAX)] = 0;
	if (e->kind == CTL_FD_VM)
		printf("vm: ");
	else
		printf("vcpu %u: ", e->index);
	printf("id \"%s\", %u descriptors (name size %u), data at offset %u\n", id,
	       h.num_desc, h.name_size, h.data_offset);
}
#endif

static int do_stats_fds(int fd, const char *name)
{
	struct ctl_fd_entry *ents;
	struct ctl_reply rep;
	int *fds;
	int n = ctl_stats_fds(fd, &fds, &ents, &rep);

	if (n < 0) {
		ctl_report(name, rep.hdr.status < 0 ? 0 : n, &rep);
		ctl_reply_free(&rep);
		return -1;
	}
	for (int i = 0; i < n; i++) {
#ifdef KVM_GET_STATS_FD
		print_stats_fd(fds[i], &ents[i]);
#endif
		close(fds[i]);
	}
	free(fds);
	free(ents);
	return 0;
}

int cmd_debug(int argc, const char **argv)
{
	const char *name = NULL, *pt_arg = NULL, *mem_arg = NULL, *sysrq = NULL, *symbols = NULL;
	bool dump = false, virt = false, stats = false;
	int cpu = -1, nmi = -1, fd, status = 0;
	const struct option opts[] = {
		OPT_STRING('n', "name", &name, "NAME", "the guest to look at (see 'lkvm list')"),
		OPT_GROUP("What to show (default --dump):"),
		OPT_BOOLEAN('d', "dump", &dump,
			    "registers, pending events and the code at RIP of each vCPU"),
		OPT_STRING(0, "page-tables", &pt_arg, "ADDR",
			   "walk guest virtual address ADDR through the page tables"),
		OPT_STRING('m', "memory", &mem_arg, "ADDR[,LEN]",
			   "hex dump LEN bytes (default 256) of guest memory at ADDR"),
		OPT_BOOLEAN(0, "virtual", &virt,
			    "--memory ADDR is a guest virtual address (default: physical)"),
		OPT_UINTEGER('c', "cpu", &cpu,
			     "vCPU for --dump (default all), --page-tables and --virtual (default 0)"),
		OPT_STRING(0, "symbols", &symbols, "FILE",
			   "System.map or vmlinux to name RIP with (default: the guest's)"),
		OPT_GROUP("What to do:"),
		OPT_UINTEGER(0, "nmi", &nmi, "inject an NMI into vCPU N"),
		OPT_STRING(0, "sysrq", &sysrq, "KEY",
			   "send magic SysRq KEY: a break then KEY on the serial console"),
		OPT_BOOLEAN(0, "stats-fds", &stats,
			    "fetch the KVM binary-stats fds and print their headers"),
		OPT_END(),
	};
	u64 pt_addr = 0, mem_addr = 0, mem_len = MEM_DEFAULT_LEN;
	char symbols_abs[PATH_MAX];

	argc = parse_options(argc, argv, opts, debug_usage, 0);
	name = ctl_name_arg("debug", name, argc, argv);
	if (pt_arg && !parse_u64(pt_arg, &pt_addr))
		parse_options_error("debug", "--page-tables '%s': expected an address (0x hex or decimal)",
				    pt_arg);
	if (mem_arg) {
		char *copy = xstrdup(mem_arg), *comma = strchr(copy, ',');
		bool good;

		if (comma)
			*comma = 0;
		good = parse_u64(copy, &mem_addr) &&
		       (!comma || (parse_u64(comma + 1, &mem_len) && mem_len > 0 &&
				   mem_len <= MEM_MAX_LEN));
		free(copy);
		if (!good)
			parse_options_error("debug", "--memory '%s': expected ADDR[,LEN] with LEN from 1 to %llu",
					    mem_arg, (unsigned long long)MEM_MAX_LEN);
	}
	if (virt && !mem_arg)
		parse_options_error("debug", "--virtual applies to --memory");
	if (sysrq && (strlen(sysrq) != 1 || sysrq[0] <= ' ' || sysrq[0] > '~'))
		parse_options_error("debug", "--sysrq '%s': expected one key, such as t, w or m", sysrq);
	if (symbols) {
		/* The guest's lkvm may run elsewhere: hand it an absolute path. */
		if (!realpath(symbols, symbols_abs) || access(symbols_abs, R_OK)) {
			pr_err("--symbols %s: %s", symbols, strerror(errno));
			return 1;
		}
		if (strlen(symbols_abs) > CTL_PATH_MAX) {
			pr_err("--symbols %s: path longer than %d bytes", symbols, CTL_PATH_MAX);
			return 1;
		}
		dump = true;
	}
	if (!pt_arg && !mem_arg && !sysrq && nmi < 0 && !stats)
		dump = true;

	fd = ctl_connect(name);
	if (fd < 0)
		return 1;
	if (sysrq) {
		struct ctl_request rq = { .type = CTL_T_SYSRQ, .id = 1, .sysrq = { .key = sysrq[0] } };
		struct ctl_reply rep;

		if (call(fd, name, &rq, &rep) < 0)
			goto fail;
		ctl_reply_free(&rep);
	}
	if (nmi >= 0) {
		struct ctl_request rq = { .type = CTL_T_NMI, .id = 2, .nmi = { .cpu = (u32)nmi } };
		struct ctl_reply rep;

		if (call(fd, name, &rq, &rep) < 0)
			goto fail;
		ctl_reply_free(&rep);
	}
	if (dump) {
		struct ctl_request rq = {
			.type = CTL_T_DUMP, .id = 4,
			.dump = { .cpu = cpu < 0 ? CTL_CPU_ALL : (u32)cpu },
		};

		if (symbols)
			strcpy(rq.dump.symbols, symbols_abs);
		if (call_text(fd, name, &rq) < 0)
			goto fail;
	}
	if (pt_arg) {
		struct ctl_request rq = {
			.type = CTL_T_PAGEWALK, .id = 5,
			.walk = { .cpu = cpu < 0 ? 0 : (u32)cpu, .gva = pt_addr },
		};

		if (call_text(fd, name, &rq) < 0)
			goto fail;
	}
	if (mem_arg && do_memory(fd, name, mem_addr, mem_len, virt, cpu < 0 ? 0 : cpu) < 0)
		goto fail;
	if (stats && do_stats_fds(fd, name) < 0)
		goto fail;
	close(fd);
	return status;
fail:
	close(fd);
	return 1;
}
