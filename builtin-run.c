// SPDX-License-Identifier: GPL-2.0
/*
 * lkvm run: parse options into a struct vm_config, then hand it to hv/ to
 * build and run the VM. No device logic lives here.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "builtin.h"
#include "hv/control.h"	/* control socket (lkvm list/stop/pause/debug) */
#include "hv/kvm.h"
#include "hv/pci.h"
#include "hv/pvpanic.h"
#include "hv/x86/acpi.h"
#include "hv/x86/boot.h"
#include "hv/x86/debug_exit.h"
#include "hv/x86/emulate.h"
#include "hv/x86/inputs.h"
#include "hv/x86/fw_cfg.h"
#include "hv/x86/hpet.h"
#include "hv/x86/testdev.h"
#include "hv/x86/legacy.h"
#include "hv/x86/serial8250.h"
#include "sandbox/rootfs.h"	/* --rootfs NAME */
#include "util/ctl-client.h"
#include "util/log.h"
#include "util/parse-options.h"
#include "util/term.h"
#include "virtio/devices.h"
#include "virtio/blk.h"	/* -d/--disk */
#include "net/check.h"
#include "net/opts.h"	/* -n/--network */
#include "virtio/9p.h"	/* --9p */

#define DEFAULT_RAM_MB 512
#define MIN_RAM (4 * SZ_1M)
#define MAX_RAM (1ULL << 40)
#define DEBUG_EXIT_DEFAULT_PORT 0xf4
#define DEBUG_EXIT_DEFAULT_SIZE 4

static const char *const run_usage[] = {
	"lkvm run [-k KERNEL] [-i INITRD] [-p PARAMS] [-m SIZE] [-c N] [<options>]",
	NULL,
};

static struct vm_config cfg;
static const char *console_arg;
static const char *virtio_transport_arg;
static const char *loglevel_arg;
static const char *mem_arg;
/* --trace-ioctls[=FILE]: NULL when off, "" for stderr (hv/kvm-ioctl.h). */
static const char *trace_ioctls_arg;
static bool trace_ioctls_regs;
static bool trace_ioctls_run = true;

static int add_module(const char *path, const char *string)
{
	if (cfg.nr_modules >= MAX_MODULES) {
		pr_err("too many -i/--module files (at most %d)", MAX_MODULES);
		return -1;
	}
	cfg.modules[cfg.nr_modules].path = path;
	cfg.modules[cfg.nr_modules].string = string;
	cfg.nr_modules++;
	return 0;
}

static int opt_initrd(const struct option *opt __unused, const char *arg, int unset)
{
	if (unset) {
		cfg.nr_modules = 0;
		return 0;
	}
	return add_module(arg, NULL);
}

/* --module FILE[,STRING]: the string is everything after the first comma. */
static int opt_module(const struct option *opt __unused, const char *arg, int unset)
{
	const char *comma;
	char *path;

	if (unset) {
		cfg.nr_modules = 0;
		return 0;
	}
	comma = strchr(arg, ',');
	if (!comma)
		return add_module(arg, NULL);
	path = xstrdup(arg);
	path[comma - arg] = 0;
	return add_module(path, comma + 1);
}

/* --debug-exit[=PORT[,SIZE][,exact]] and --no-debug-exit. */
static int opt_debug_exit(const struct option *opt __unused, const char *arg, int unset)
{
	char *end;
	long port, size = DEBUG_EXIT_DEFAULT_SIZE;
	bool exact = false, sized = false;

	cfg.debug_exit_set = true;
	cfg.debug_exit_exact = false;
	if (unset) {
		cfg.debug_exit_port = -1;
		return 0;
	}
	if (!arg) {
		cfg.debug_exit_port = DEBUG_EXIT_DEFAULT_PORT;
		cfg.debug_exit_size = DEBUG_EXIT_DEFAULT_SIZE;
		return 0;
	}
	errno = 0;
	port = strtol(arg, &end, 0);
	if (end == arg)
		goto bad;
	while (*end == ',' && !errno) {
		const char *p = end + 1;

		if (!strncmp(p, "exact", 5) && (p[5] == ',' || !p[5]) && !exact) {
			exact = true;
			end = (char *)p + 5;
		} else if (!sized && !exact) {
			size = strtol(p, &end, 0);
			sized = true;
			if (end == p)
				goto bad;
		} else {
			goto bad;
		}
	}
	if (errno || *end || port < 0 || port > 0xffff ||
	    (size != 1 && size != 2 && size != 4) || port + size > 0x10000)
		goto bad;
	cfg.debug_exit_port = port;
	cfg.debug_exit_size = size;
	cfg.debug_exit_exact = exact;
	return 0;
bad:
	pr_err("--debug-exit '%s': expected PORT[,SIZE][,exact] with a port below 0x10000 and a size of 1, 2 or 4",
	       arg);
	return -1;
}

/* -m SIZE: bytes in *@out; -1 if not a size, -2 if outside [MIN_RAM,
 * MAX_RAM] (zero and sizes beyond 64 bits are out of range too). */
static int parse_mem(const char *arg, u64 *out)
{
	u64 size;

	if (parse_size(arg, SZ_1M, &size))
		return errno == ERANGE ? -2 : -1;
	if (size < MIN_RAM || size > MAX_RAM)
		return -2;
	*out = size;
	return 0;
}

/* The kernel when -k is not given: the tree we are in, then the host's
 * (builtin.h; lkvm sandbox and run --rootfs share it). */
const char *find_kernel(char *searched, size_t size)
{
	static char boot[300];
	struct utsname u;
	const char *cands[3] = { "arch/x86/boot/bzImage", "../../arch/x86/boot/bzImage", NULL };

	if (uname(&u) == 0) {
		snprintf(boot, sizeof(boot), "/boot/vmlinuz-%s", u.release);
		cands[2] = boot;
	}
	searched[0] = 0;
	for (int i = 0; i < 3 && cands[i]; i++) {
		if (!access(cands[i], R_OK))
			return cands[i];
		snprintf(searched + strlen(searched), size - strlen(searched), "%s%s",
			 i ? ", " : "", cands[i]);
	}
	return NULL;
}

/* --rng[=pci|mmio]: the transport, when given, overrides --virtio-transport. */
static int opt_rng(const struct option *opt __unused, const char *arg, int unset)
{
	enum virtio_transport t;

	cfg.rng = !unset;
	cfg.rng_transport = -1;
	cfg.test_dev = -1;
	if (unset || !arg)
		return 0;
	if (virtio_transport_parse(arg, &t) < 0) {
		pr_err("--rng=%s: expected pci or mmio", arg);
		return -1;
	}
	cfg.rng_transport = t;
	return 0;
}

/* --trace-ioctls[=FILE]; --no-trace-ioctls turns it off again. */
static int opt_trace_ioctls(const struct option *opt __unused, const char *arg, int unset)
{
	trace_ioctls_arg = unset ? NULL : arg ? arg : "";
	return 0;
}

/* -d/--disk PATH[,ro][,direct][,cow[=OVERLAY]][,serial=ID], repeatable. */
static int opt_disk(const struct option *opt __unused, const char *arg, int unset)
{
	struct disk_opts *o;

	if (unset) {
		cfg.nr_disks = 0;
		return 0;
	}
	if (cfg.nr_disks >= MAX_DISKS) {
		pr_err("too many -d/--disk images (at most %d)", MAX_DISKS);
		return -1;
	}
	o = xzalloc(sizeof(*o));
	if (disk_opts_parse(arg, o) < 0)
		return -1;
	cfg.disks[cfg.nr_disks++] = o;
	return 0;
}

/* -n/--network user[,...]|tap[,...]|none, repeatable (net/opts.h). */
static int opt_network(const struct option *opt __unused, const char *arg, int unset)
{
	struct net_opts *o;

	if (unset) {
		cfg.nr_nets = 0;
		return 0;
	}
	if (cfg.nr_nets >= MAX_NETS) {
		pr_err("too many -n/--network (at most %d)", MAX_NETS);
		return -1;
	}
	o = xzalloc(sizeof(*o));
	if (net_opts_parse(arg, o) < 0) {
		free(o);
		return -1;
	}
	cfg.nets[cfg.nr_nets++] = o;
	return 0;
}

/* A Linux guest given no -n gets one user NIC; test kernels get none. */
static void default_network(enum image_kind kind)
{
	static struct net_opts user_default;

	if (!cfg.nr_nets && kind != IMAGE_MULTIBOOT) {
		net_opts_parse("user", &user_default);
		cfg.nets[cfg.nr_nets++] = &user_default;
	}
}

/* --9p HOSTDIR[,TAG][,ro], repeatable; tags must differ. */
static int opt_9p(const struct option *opt __unused, const char *arg, int unset)
{
	struct p9_share_opts *o;

	if (unset) {
		cfg.nr_shares = 0;
		return 0;
	}
	if (cfg.nr_shares >= MAX_9P_SHARES) {
		pr_err("too many --9p shares (at most %d)", MAX_9P_SHARES);
		return -1;
	}
	o = xzalloc(sizeof(*o));
	if (p9_opts_parse(arg, o) < 0) {
		free(o);
		return -1;
	}
	for (int i = 0; i < cfg.nr_shares; i++) {
		if (!strcmp(cfg.shares[i]->tag, o->tag)) {
			pr_err("--9p %s: tag '%s' is already used by --9p %s; give each share its own tag (HOSTDIR,TAG)",
			       arg, o->tag, cfg.shares[i]->path);
			p9_opts_free(o);
			free(o);
			return -1;
		}
	}
	cfg.shares[cfg.nr_shares++] = o;
	return 0;
}

/* --fw-cfg name=NAME,file=PATH or name=NAME,string=TEXT, repeatable.
 * string= takes the rest of the argument, commas included. */
static int opt_fw_cfg(const struct option *opt __unused, const char *arg, int unset)
{
	struct fw_cfg_file_opt *f;
	char *copy, *p, *name = NULL;

	if (unset) {
		cfg.nr_fw_cfg = 0;
		return 0;
	}
	if (cfg.nr_fw_cfg >= MAX_FW_CFG_FILES) {
		pr_err("too many --fw-cfg files (at most %d)", MAX_FW_CFG_FILES);
		return -1;
	}
	f = &cfg.fw_cfg[cfg.nr_fw_cfg];
	memset(f, 0, sizeof(*f));
	copy = xstrdup(arg);
	for (p = copy; p && *p;) {
		char *comma;

		if (!strncmp(p, "string=", 7)) {
			f->string = p + 7;
			break;
		}
		comma = strchr(p, ',');
		if (comma)
			*comma = 0;
		if (!strncmp(p, "name=", 5))
			name = p + 5;
		else if (!strncmp(p, "file=", 5))
			f->path = p + 5;
		else
			goto bad;
		p = comma ? comma + 1 : NULL;
	}
	if (!name || !!f->path == !!f->string || (f->path && !*f->path))
		goto bad;
	if (!fw_cfg_name_valid(name)) {
		pr_err("--fw-cfg name=%s: use 1 to %d characters from A-Z a-z 0-9 . _ - /, such as etc/foo or opt/org.example/bar",
		       name, FW_CFG_NAME_MAX);
		free(copy);
		return -1;
	}
	f->name = name;
	cfg.nr_fw_cfg++;
	return 0;
bad:
	pr_err("--fw-cfg '%s': expected name=NAME,file=PATH or name=NAME,string=TEXT", arg);
	free(copy);
	return -1;
}

/* --test-dev and --no-test-dev. */
static int opt_test_dev(const struct option *opt __unused, const char *arg __unused, int unset)
{
	cfg.test_dev = !unset;
	return 0;
}

static int init_devices(struct kvm *kvm)
{
	if (serial8250_init(kvm) < 0 || i8042_init(kvm) < 0 || rtc_init(kvm) < 0 ||
	    port80_init(kvm) < 0 || port92_init(kvm) < 0 || pci_init(kvm) < 0 ||
	    pvpanic_init(kvm) < 0 || acpi_pm_init(kvm) < 0 || hpet_init(kvm) < 0 ||
	    virtio_devices_create(kvm) < 0) {
		pr_err("cannot set up the guest's devices");
		return -1;
	}
	return 0;
}

/*
 * What lkvm itself costs in memory: peak RSS minus the guest RAM touched.
 * When host decompression gave guest RAM back, the peak may be from then:
 * lkvm's own was measured at that moment, plus whatever the peak grew by
 * since (VmHWM is kept in batches, so it may even read a little lower).
 */
static void report_memory(struct kvm *kvm)
{
	u64 hwm = kvm_peak_rss(), ram = kvm_ram_resident(kvm);
	u64 own = hwm > ram ? hwm - ram : 0;

	pr_debug("memory: at host decompression's peak: VmHWM %llu KiB, lkvm's own %llu KiB",
		 (unsigned long long)(kvm->load_hwm >> 10), (unsigned long long)(kvm->load_own >> 10));
	/* Both are upper bounds: growth since that peak may all be lkvm's. */
	if (kvm->load_hwm)
		own = MIN(own, kvm->load_own + (hwm > kvm->load_hwm ? hwm - kvm->load_hwm : 0));
	pr_info("memory: peak RSS %llu KiB, guest RAM touched %llu KiB, lkvm's own %llu KiB",
		(unsigned long long)(hwm >> 10), (unsigned long long)(ram >> 10),
		(unsigned long long)(own >> 10));
}

/*
 * Start-up accounting: when each phase of cmd_run() ended (now_ns()), for
 * the "phases" line at --loglevel info that bench/start reads.
 */
enum phase {
	PH_START, PH_PARSE, PH_INPUTS, PH_KVM, PH_DEVICES, PH_BOOT, PH_VCPUS, PH_SETUP,
	PH_FIRST_RUN, PH_END, PH_STOP, PH_TEARDOWN, NR_PHASES
};
static const char *const phase_names[NR_PHASES] = {
	[PH_PARSE] = "parse", [PH_INPUTS] = "inputs", [PH_KVM] = "kvm",
	[PH_DEVICES] = "devices", [PH_BOOT] = "boot", [PH_VCPUS] = "vcpus",
	[PH_SETUP] = "setup", [PH_FIRST_RUN] = "first-run", [PH_END] = "guest",
	[PH_STOP] = "stop", [PH_TEARDOWN] = "teardown",
};
static u64 phase_ns[NR_PHASES];

static void phase(enum phase p)
{
	phase_ns[p] = now_ns();
}

/* One line: each phase's duration in microseconds, then the total. A phase
 * that did not happen (0) counts as ending with the one before it. */
static void report_phases(void)
{
	char line[512];
	size_t n = 0;
	u64 start = phase_ns[PH_START] / 1000, prev = start;	/* us: the parts add up */

	for (int p = PH_PARSE; p < NR_PHASES; p++) {
		u64 t = phase_ns[p] ? phase_ns[p] / 1000 : prev;

		if (t < prev)
			t = prev;
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s %llu ", phase_names[p],
				      (unsigned long long)(t - prev));
		prev = t;
		if (n >= sizeof(line))
			return;
	}
	pr_info("phases (us): %stotal %llu", line, (unsigned long long)(prev - start));
}

static void print_end(struct kvm *kvm)
{
	if (kvm->end == VM_END_POWEROFF || kvm->end == VM_END_REBOOT ||
	    kvm->end == VM_END_USER || kvm->end == VM_END_DEBUG_EXIT) {
		if (log_level >= LOG_WARNING)
			log_raw("lkvm: %s\n", kvm->end_msg);
	} else {
		pr_err("%s", kvm->end_msg);
	}
}

/*
 * A run ended by SIGINT, SIGTERM or SIGHUP ends the process by that signal
 * (default action), once the terminal is restored, so a parent's wait()
 * sees WIFSIGNALED rather than an exit status a test kernel could also
 * produce through the debug-exit port.
 */
static void die_by_signal(int sig)
{
	sigset_t set;

	fflush(NULL);
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	exit(128 + sig);	/* not reached */
}

/* --rootfs NAME is turned into run options before parsing (sandbox/rootfs.h). */
static int opt_rootfs(const struct option *opt __unused, const char *arg __unused,
		      int unset __unused)
{
	return 0;
}

int cmd_run(int argc, const char **argv)
{
	static struct kvm kvm;
	struct boot_cpu_state cpu = { 0 };
	char searched[1024], name[64];
	int status, bad;
	enum image_kind kind = IMAGE_MULTIBOOT;
	const struct option options[] = {
		OPT_GROUP("Basic options:"),
		OPT_STRING('k', "kernel", &cfg.kernel, "FILE",
			   "kernel to boot: bzImage, vmlinux or multiboot image"),
		OPT_CALLBACK('i', "initrd", NULL, "FILE",
			     "initrd (Linux) or multiboot module; repeatable", opt_initrd),
		OPT_CALLBACK(0, "module", NULL, "FILE[,STRING]",
			     "multiboot module with its string; repeatable", opt_module),
		OPT_STRING('p', "params", &cfg.params, "PARAMS", "kernel command line"),
		OPT_STRING('m', "mem", &mem_arg, "SIZE",
			   "guest RAM, 4M to 1T, suffix K, M, G, T (default M; 512M)"),
		OPT_UINTEGER('c', "cpus", &cfg.nr_cpus, "number of vCPUs (default 1)"),
		OPT_STRING(0, "name", &cfg.name, "NAME", "guest name (default guest-<pid>)"),
		OPT_STRING(0, "console", &console_arg, "serial|virtio",
			   "console device: serial (COM1, ttyS0) or virtio (hvc0)"),
		OPT_CALLBACK_OPTARG(0, "rng", NULL, "pci|mmio",
				    "virtio entropy device fed from the host's getrandom()",
				    opt_rng, 0),
		OPT_CALLBACK('d', "disk", NULL, "PATH[,ro][,direct][,cow[=OVERLAY]][,serial=ID]",
			     "virtio-blk disk image (vda, vdb, ...); repeatable", opt_disk),
		OPT_CALLBACK('n', "network", NULL, "user[,hostfwd=...]|tap[,ifname=NAME][,vhost=on|off]|none",
			     "virtio-net NIC (eth0, eth1, ...): user networking (default for Linux), a tap, or none; repeatable",
			     opt_network),
		OPT_CALLBACK(0, "9p", NULL, "HOSTDIR[,TAG][,ro]",
			     "share a host directory (virtio-9p, mount tag TAG: default its name); repeatable",
			     opt_9p),
		OPT_CALLBACK(0, "rootfs", NULL, "NAME",
			     "boot rootfs NAME of lkvm setup: a 9p root with the host's programs (lkvm help setup)",
			     opt_rootfs),
		OPT_STRING(0, "virtio-transport", &virtio_transport_arg, "pci|mmio",
			   "how virtio devices appear: pci (default) or mmio (virtio_mmio.device=)"),
		OPT_GROUP("Boot options:"),
		OPT_BOOLEAN(0, "host-decompress", &cfg.host_decompress,
			    "decompress a bzImage's payload on the host (default; --no-host-decompress: in the guest)"),
		OPT_BOOLEAN(0, "pvm-quirks", &cfg.pvm_quirks,
			    "on PVM hosts, add kernel parameters and finish instructions KVM cannot (default on)"),
		OPT_STRING(0, "symbols", &cfg.symbols, "FILE",
			   "System.map or vmlinux for guest symbols (default: found beside the kernel)"),
		OPT_CALLBACK_OPTARG(0, "debug-exit", NULL, "PORT[,SIZE][,exact]",
				    "I/O port whose write V ends lkvm with status (V << 1) | 1, or V with exact (default 0xf4,4; on for multiboot images)",
				    opt_debug_exit, 0),
		OPT_CALLBACK(0, "fw-cfg", NULL, "name=NAME,file=PATH|string=TEXT",
			     "add a named fw_cfg file for test kernels (such as etc/foo); repeatable",
			     opt_fw_cfg),
		OPT_CALLBACK_NOARG(0, "test-dev", NULL,
				   "pc-testdev ports 0xe0-0xe4, 0x2000+n and I/O RAM at 0xff000000 for test kernels (default on for multiboot images)",
				   opt_test_dev),
		OPT_GROUP("Debug options:"),
		OPT_STRING(0, "loglevel", &loglevel_arg, "LEVEL",
			   "error, warning (default), info or debug"),
		OPT_BOOLEAN(0, "debug-exits", &cfg.debug_exits,
			    "log every exit to userspace (with --loglevel debug)"),
		OPT_CALLBACK_OPTARG(0, "trace-ioctls", NULL, "FILE",
				    "write every KVM ioctl (name, argument, result, time) to stderr or FILE",
				    opt_trace_ioctls, ""),
		OPT_BOOLEAN(0, "trace-ioctls-regs", &trace_ioctls_regs,
			    "with --trace-ioctls, decode kvm_regs and kvm_sregs too"),
		OPT_BOOLEAN(0, "trace-ioctls-run", &trace_ioctls_run,
			    "with --trace-ioctls, trace KVM_RUN and its exit (default; --no-trace-ioctls-run: not)"),
		OPT_END(),
	};

	cfg.ram_size = DEFAULT_RAM_MB * SZ_1M;
	cfg.nr_cpus = 1;
	cfg.host_decompress = true;
	cfg.pvm_quirks = true;
	cfg.debug_exit_port = -1;
	cfg.debug_exit_size = DEBUG_EXIT_DEFAULT_SIZE;
	cfg.virtio_transport = VIRTIO_TRANSPORT_PCI;
	cfg.rng_transport = -1;
	cfg.test_dev = -1;

	phase(PH_START);
	if (runargs_has_rootfs(argc, argv)) {
		static struct runargs rootfs_argv;
		int r = rootfs_run_argv(argc, argv, &rootfs_argv);

		if (r)
			return r;
		argc = rootfs_argv.n;
		argv = rootfs_argv.v;
	}
	argc = parse_options(argc, argv, options, run_usage, 0);
	if (argc > 0)
		parse_options_error("run", "unexpected argument '%s' (the kernel goes after -k)",
				    argv[0]);
	if (loglevel_arg && log_level_parse(loglevel_arg, &log_level) < 0)
		parse_options_error("run", "--loglevel '%s': expected error, warning, info or debug",
				    loglevel_arg);
	if (cfg.debug_exits && log_level < LOG_DEBUG)
		log_level = LOG_DEBUG;
	cfg.console = CONSOLE_SERIAL;
	if (console_arg && !strcmp(console_arg, "virtio"))
		cfg.console = CONSOLE_VIRTIO;
	else if (console_arg && strcmp(console_arg, "serial"))
		parse_options_error("run", "--console '%s': expected serial or virtio", console_arg);
	for (int i = 0; i < cfg.nr_nets; i++)
		if (cfg.nets[i]->mode == NET_NONE && cfg.nr_nets > 1)
			parse_options_error("run", "-n none means no network: it cannot go with other -n");
	if (virtio_transport_arg) {
		enum virtio_transport t;

		if (virtio_transport_parse(virtio_transport_arg, &t) < 0)
			parse_options_error("run", "--virtio-transport '%s': expected pci or mmio",
					    virtio_transport_arg);
		cfg.virtio_transport = t;
	}
	if (mem_arg) {
		int r = parse_mem(mem_arg, &cfg.ram_size);

		if (r < 0)
			parse_options_error("run", "-m '%.64s' %s: give 4M to 1T, such as 512M or 2G (a plain number is MiB)",
					    mem_arg, r == -2 ? "is out of range" : "is not a size");
	}
	cfg.ram_size = ALIGN_UP(cfg.ram_size, SZ_1M);
	if (cfg.nr_cpus < 1 || cfg.nr_cpus > ACPI_MAX_CPUS)
		parse_options_error("run", "-c %d is out of range: give 1 to %d",
				    cfg.nr_cpus, ACPI_MAX_CPUS);
	if (!cfg.name) {
		snprintf(name, sizeof(name), "guest-%d", (int)getpid());
		cfg.name = name;
	}
	/* control socket: the name becomes a file name (util/ctl-client.h) */
	if (!ctl_name_valid(cfg.name))
		parse_options_error("run", "--name '%s': use 1 to %d letters, digits, '.', '_' or '-'",
				    cfg.name, CTL_NAME_MAX);
	if (!cfg.kernel) {
		cfg.kernel = find_kernel(searched, sizeof(searched));
		if (!cfg.kernel) {
			pr_err("no kernel given and none found (searched %s): pass one with -k",
			       searched);
			return EXIT_LKVM_ERROR;
		}
		pr_info("booting %s", cfg.kernel);
	}

	phase(PH_PARSE);
	if ((trace_ioctls_regs || !trace_ioctls_run) && !trace_ioctls_arg)
		parse_options_error("run", "--%s needs --trace-ioctls[=FILE]",
				    trace_ioctls_regs ? "trace-ioctls-regs" : "no-trace-ioctls-run");
	/* Fail early: every input is read and checked, each bad one gets its
	 * own line, and only then is /dev/kvm opened. */
	bad = boot_check_inputs(&cfg, &kind);
	default_network(kind);
	bad += net_check_inputs(&cfg);
	for (int i = 0; i < cfg.nr_disks; i++)
		bad += disk_check_path(cfg.disks[i]->path) < 0;
	for (int i = 0; i < cfg.nr_shares; i++)
		bad += p9_check_dir(cfg.shares[i]->path) < 0;
	bad += fw_cfg_check_inputs(&cfg);
	if (bad)
		return EXIT_LKVM_ERROR;
	phase(PH_INPUTS);
	/* what the guest mounts: one line per share, before the guest's output */
	for (int i = 0; i < cfg.nr_shares && log_level >= LOG_WARNING; i++)
		log_raw("lkvm: --9p %s: mount -t 9p -o trans=virtio,version=9p2000.L %s DIR%s\n",
			cfg.shares[i]->path, cfg.shares[i]->tag, cfg.shares[i]->ro ? " (read-only)" : "");
	if (trace_ioctls_arg &&
	    kvm_ioctl_trace_start(trace_ioctls_arg, trace_ioctls_regs, trace_ioctls_run) < 0)
		return EXIT_LKVM_ERROR;
	if (kvm_init(&kvm, &cfg) < 0 || (phase(PH_KVM), fw_cfg_init(&kvm) < 0) ||
	    init_devices(&kvm) < 0 || (phase(PH_DEVICES), boot_load(&kvm, &cpu) < 0)) {
		kvm_teardown(&kvm);
		return EXIT_LKVM_ERROR;
	}
	if (cfg.debug_exit_set ? cfg.debug_exit_port >= 0 : !kvm.is_linux) {
		int port = cfg.debug_exit_port >= 0 ? cfg.debug_exit_port : DEBUG_EXIT_DEFAULT_PORT;

		if (debug_exit_init_mode(&kvm, port, cfg.debug_exit_size, cfg.debug_exit_exact ?
					 DEBUG_EXIT_EXACT : DEBUG_EXIT_QEMU) < 0) {
			kvm_teardown(&kvm);
			return EXIT_LKVM_ERROR;
		}
	}
	/* --test-dev, on by default for test kernels (not for Linux) */
	if ((cfg.test_dev < 0 ? !kvm.is_linux : cfg.test_dev) && testdev_init(&kvm) < 0) {
		kvm_teardown(&kvm);
		return EXIT_LKVM_ERROR;
	}
	phase(PH_BOOT);
	if (kvm_create_vcpus(&kvm) < 0 || boot_setup_bsp(&kvm.vcpus[0], &cpu) < 0) {
		kvm_teardown(&kvm);
		return EXIT_LKVM_ERROR;
	}
	if (kvm.is_linux && kvm.flavour == KVM_FLAVOUR_PVM)
		pr_warn("this host's KVM is PVM: the guest kernel boots (slowly: its code is emulated), "
			"but its user space cannot run here (system calls fault inside the host's "
			"kvm_pvm module); see 'lkvm help run'");

	phase(PH_VCPUS);
	term_init();
	if (term_install_signals(&kvm) < 0) {
		kvm_teardown(&kvm);
		return EXIT_LKVM_ERROR;
	}
	/* control socket: after the signal handlers, so that every exit path
	 * removes it; fails here, before the guest starts, if the name is taken */
	if (control_start(&kvm, cfg.name) < 0) {
		kvm_teardown(&kvm);
		return EXIT_LKVM_ERROR;
	}
	/* Console input goes through the control socket's hold (kept while
	 * the guest is paused) to hvc0's receive queue or to COM1. */
	if (cfg.console == CONSOLE_VIRTIO)
		control_console_set(virtio_console_deliver, virtio_console_break, NULL);
	term_set_break_handler(control_console_break);
	term_start_input(&kvm, control_console_deliver,
			 cfg.console == CONSOLE_VIRTIO ? NULL : serial8250_console());

	phase(PH_SETUP);
	status = kvm_run_vcpus(&kvm);
	virtio_exit_all();	/* join the device I/O threads */
	control_stop();

	term_stop_input();
	term_restore();
	print_end(&kvm);
	x86_emulate_report();
	report_memory(&kvm);
	for (int i = 0; i < kvm.nr_vcpus; i++)
		pr_debug("vCPU %d: %llu exits to lkvm, %llu instructions finished by lkvm",
			 i, (unsigned long long)kvm.vcpus[i].nr_exits,
			 (unsigned long long)kvm.vcpus[i].nr_emulated);
	phase_ns[PH_FIRST_RUN] = kvm.first_run_ns;
	phase_ns[PH_END] = kvm.end_ns;
	phase(PH_STOP);
	kvm_teardown(&kvm);
	kvm_ioctl_trace_stop();
	phase(PH_TEARDOWN);
	report_phases();
	if (kvm.end == VM_END_USER && status > 128)
		die_by_signal(status - 128);
	return status;
}
