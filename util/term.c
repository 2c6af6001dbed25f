// SPDX-License-Identifier: GPL-2.0
/*
 * Terminal handling: raw mode and its restoration, the console input
 * thread with its Ctrl-A escapes, and exit signals. Source: POSIX termios
 * (XBD 11) and signal concepts (XSH 2.4, async-signal-safe functions).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "hv/kvm.h"
#include "util/log.h"
#include "util/term.h"

/* ---- raw mode ---------------------------------------------------------- */

static struct termios saved_termios;
static volatile sig_atomic_t term_raw;	/* saved_termios must be put back */

void term_restore(void)
{
	/* Exchange, so two threads or a signal racing atexit restore once. */
	if (!__atomic_exchange_n(&term_raw, 0, __ATOMIC_SEQ_CST))
		return;
	tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
	log_crlf = 0;
}

static void atexit_restore(void)
{
	term_restore();
}

/* A crash: give the user their terminal back, then die of the signal. */
static void on_fatal_signal(int sig)
{
	term_restore();
	/* SA_RESETHAND restored the default action; SA_NODEFER lets it in now. */
	raise(sig);
}

void term_init(void)
{
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL };
	static bool done;
	struct sigaction sa;
	struct termios raw;

	if (done)
		return;
	done = true;
	atexit(atexit_restore);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal_signal;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(fatal); i++)
		sigaction(fatal[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_termios) < 0)
		return;
	raw = saved_termios;
	/* No echo, no canonical input, no ISIG (Ctrl-C goes to the guest), no
	 * OPOST: the guest's own \r\n reach the screen untouched. */
	cfmakeraw(&raw);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0) {
		pr_warn("cannot make the terminal raw: %s", strerror(errno));
		return;
	}
	term_raw = 1;
	log_crlf = 1;
}

/* ---- escape parser ----------------------------------------------------- */

enum term_action term_esc_feed(struct term_esc *st, u8 c, u8 out[2], size_t *nout)
{
	*nout = 0;
	if (!st->armed) {
		if (c == TERM_ESCAPE_CHAR) {
			st->armed = true;
			return TERM_ACT_NONE;
		}
		out[(*nout)++] = c;
		return TERM_ACT_NONE;
	}
	st->armed = false;
	switch (c) {
	case 'x':
	case 'X':
		return TERM_ACT_QUIT;
	case 'h':
	case 'H':
	case '?':
		return TERM_ACT_HELP;
	case 'b':
	case 'B':
		return TERM_ACT_BREAK;
	case 'c':
	case 'C':
		return TERM_ACT_CONSOLE;
	case TERM_ESCAPE_CHAR:
		out[(*nout)++] = TERM_ESCAPE_CHAR;
		return TERM_ACT_NONE;
	default:
		/* Not an escape: the guest gets both keys, as typed. */
		out[(*nout)++] = TERM_ESCAPE_CHAR;
		out[(*nout)++] = c;
		return TERM_ACT_NONE;
	}
}

const char *term_help_text(void)
{
	return "\n"
	       "lkvm console escapes (Ctrl-A, then):\n"
	       "  x       end the VM\n"
	       "  b       send a break (then a key: sysrq on Linux)\n"
	       "  h, ?    this help\n"
	       "  Ctrl-A  send a Ctrl-A to the guest\n";
}

/* ---- input thread ------------------------------------------------------ */

#define PENDING_CAP	4096	/* input held while the guest does not read */
#define TOKEN_BREAK	0x100	/* queue entry that is a break, not a byte */

static struct {
	pthread_t thread;
	bool running;
	int wake[2];
	struct kvm *kvm;
	term_deliver_fn deliver;
	term_break_fn send_break;
	void *opaque;
	struct term_esc esc;
	u16 q[PENDING_CAP];
	unsigned int head, count;
} in = { .wake = { -1, -1 } };

void term_set_break_handler(term_break_fn fn)
{
	in.send_break = fn;
}

static void queue_push(u16 token)
{
	if (in.count == PENDING_CAP) {
		pr_warn_once("console: the guest is not reading its input; dropping keys");
		return;
	}
	in.q[(in.head + in.count) % PENDING_CAP] = token;
	in.count++;
}

static void queue_pop(unsigned int n)
{
	in.head = (in.head + n) % PENDING_CAP;
	in.count -= n;
}

/* Hand queued input to the guest, breaks in their place. Returns true if
 * the queue emptied; *@progress tells whether anything was taken. */
static bool flush_pending(bool *progress)
{
	u8 chunk[256];

	*progress = false;
	while (in.count) {
		unsigned int k = 0;
		size_t taken;

		if (in.q[in.head] == TOKEN_BREAK) {
			if (in.send_break)
				in.send_break(in.opaque);
			queue_pop(1);
			*progress = true;
			continue;
		}
		while (k < in.count && k < sizeof(chunk)) {
			u16 t = in.q[(in.head + k) % PENDING_CAP];

			if (t == TOKEN_BREAK)
				break;
			chunk[k++] = t;
		}
		taken = in.deliver(in.opaque, chunk, k);
		if (taken > k)
			taken = k;
		queue_pop(taken);
		if (taken)
			*progress = true;
		if (taken < k)
			return false;
	}
	return true;
}

static void handle_input(const u8 *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		u8 out[2];
		size_t nout;
		enum term_action act = term_esc_feed(&in.esc, buf[i], out, &nout);

		for (size_t j = 0; j < nout; j++)
			queue_push(out[j]);
		switch (act) {
		case TERM_ACT_QUIT:
			vm_request_exit(in.kvm, VM_END_USER, 0, "terminated by Ctrl-A x");
			break;
		case TERM_ACT_HELP:
			log_raw("%s", term_help_text());
			break;
		case TERM_ACT_BREAK:
			queue_push(TOKEN_BREAK);
			break;
		case TERM_ACT_CONSOLE:
		case TERM_ACT_NONE:
			break;
		}
	}
}

static void *input_thread(void *arg)
{
	bool eof = false;
	int retry_ms = 1;
	u8 buf[256];

	(void)arg;
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = in.wake[0], .events = POLLIN },
			{ .fd = STDIN_FILENO, .events = POLLIN },
		};
		bool progress, drained = flush_pending(&progress);
		int n;

		if (eof && drained)
			break;
		/*
		 * Offer what the guest did not take again after 1 ms, backing
		 * off to 16 ms while it takes nothing (a guest that never
		 * reads its console should not cost a busy thread).
		 */
		if (progress || drained)
			retry_ms = 1;
		else if (retry_ms < 16)
			retry_ms *= 2;
		n = poll(pfd, eof ? 1 : 2, drained ? -1 : retry_ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			pr_warn("console input: poll: %s", strerror(errno));
			break;
		}
		if (pfd[0].revents)
			break;
		if (eof || !pfd[1].revents)
			continue;
		if (pfd[1].revents & POLLNVAL) {
			eof = true;
			continue;
		}
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			/* End of input (or a hang-up): the VM carries on without it. */
			eof = true;
			continue;
		}
		handle_input(buf, n);
	}
	return NULL;
}

int term_start_input(struct kvm *kvm, term_deliver_fn deliver, void *opaque)
{
	if (in.running)
		return 0;
	if (pipe2(in.wake, O_CLOEXEC) < 0) {
		pr_err("console input: pipe: %s", strerror(errno));
		return -1;
	}
	in.kvm = kvm;
	in.deliver = deliver;
	in.opaque = opaque;
	in.esc.armed = false;
	in.head = in.count = 0;
	if (pthread_create(&in.thread, NULL, input_thread, NULL)) {
		pr_err("console input: cannot start its thread");
		close(in.wake[0]);
		close(in.wake[1]);
		in.wake[0] = in.wake[1] = -1;
		return -1;
	}
	in.running = true;
	return 0;
}

void term_stop_input(void)
{
	u8 b = 0;

	if (!in.running)
		return;
	if (write(in.wake[1], &b, 1) < 0)
		pr_warn("console input: cannot wake its thread");
	pthread_join(in.thread, NULL);
	close(in.wake[0]);
	close(in.wake[1]);
	in.wake[0] = in.wake[1] = -1;
	in.running = false;
}

/* ---- exit signals ------------------------------------------------------ */

static int sig_pipe[2] = { -1, -1 };
static volatile sig_atomic_t exit_signals;
static struct kvm *sig_kvm;

static void on_exit_signal(int sig)
{
	int saved_errno = errno;
	u8 b = sig;

	if (++exit_signals >= 3) {
		/* The VM did not end after two requests: stop for real. */
		struct sigaction dfl = { .sa_handler = SIG_DFL };

		term_restore();
		sigaction(sig, &dfl, NULL);
		raise(sig);
	}
	if (write(sig_pipe[1], &b, 1) < 0) {
		/* Pipe full: an exit request is already queued. */
	}
	errno = saved_errno;
}

static void *signal_thread(void *arg)
{
	(void)arg;
	for (;;) {
		u8 sig;
		ssize_t n = read(sig_pipe[0], &sig, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL;
		vm_request_exit(sig_kvm, VM_END_USER, 128 + sig,
				"terminated by signal SIG%s",
				sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
	}
}

int term_install_signals(struct kvm *kvm)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	pthread_t thread;

	if (sig_pipe[0] >= 0)
		return 0;
	if (pipe2(sig_pipe, O_CLOEXEC) < 0) {
		pr_err("signals: pipe: %s", strerror(errno));
		return -1;
	}
	fcntl(sig_pipe[1], F_SETFL, O_NONBLOCK);
	sig_kvm = kvm;
	if (pthread_create(&thread, NULL, signal_thread, NULL)) {
		pr_err("signals: cannot start their thread");
		close(sig_pipe[0]);
		close(sig_pipe[1]);
		sig_pipe[0] = sig_pipe[1] = -1;
		return -1;
	}
	pthread_detach(thread);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_exit_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	return 0;
}
