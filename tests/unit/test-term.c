// SPDX-License-Identifier: GPL-2.0
/*
 * Terminal: the Ctrl-A escape parser, the input thread fed from a pipe
 * (partial delivery, breaks in order, end of file) and exit signals.
 */
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hv/kvm.h"
#include "tests/tap.h"
#include "util/term.h"

/* Feed @s through a fresh parser; collect passed bytes and the last action. */
static enum term_action feed(const char *s, size_t len, char *got, size_t *ngot)
{
	struct term_esc st = { 0 };
	enum term_action last = TERM_ACT_NONE;

	*ngot = 0;
	for (size_t i = 0; i < len; i++) {
		u8 out[2];
		size_t n;
		enum term_action a = term_esc_feed(&st, s[i], out, &n);

		if (a != TERM_ACT_NONE)
			last = a;
		for (size_t j = 0; j < n; j++)
			got[(*ngot)++] = out[j];
	}
	got[*ngot] = 0;
	return last;
}

static void test_parser(void)
{
	char got[64];
	size_t n;

	is_int(feed("abc", 3, got, &n), TERM_ACT_NONE, "plain bytes: no action");
	is_str(got, "abc", "plain bytes pass through");
	is_int(feed("a\x01x", 3, got, &n), TERM_ACT_QUIT, "Ctrl-A x quits");
	is_str(got, "a", "Ctrl-A x itself is not passed");
	is_int(feed("\x01h", 2, got, &n), TERM_ACT_HELP, "Ctrl-A h: help");
	is_int(n, 0, "Ctrl-A h passes nothing");
	is_int(feed("\x01" "b", 2, got, &n), TERM_ACT_BREAK, "Ctrl-A b: break");
	is_int(feed("\x01" "c", 2, got, &n), TERM_ACT_CONSOLE, "Ctrl-A c: reserved");
	is_int(n, 0, "Ctrl-A c passes nothing");
	is_int(feed("\x01\x01z", 3, got, &n), TERM_ACT_NONE, "Ctrl-A Ctrl-A: no action");
	is_str(got, "\x01z", "Ctrl-A Ctrl-A gives one literal Ctrl-A");
	is_int(feed("\x01\x01\x01x", 4, got, &n), TERM_ACT_QUIT,
	       "Ctrl-A after a literal Ctrl-A starts a new escape");
	is_int(feed("\x01q", 2, got, &n), TERM_ACT_NONE, "Ctrl-A q: not an escape");
	is_str(got, "\x01q", "Ctrl-A q passes both keys");
	is_int(feed("x\x01", 2, got, &n), TERM_ACT_NONE, "trailing Ctrl-A waits");
	is_str(got, "x", "trailing Ctrl-A is held");
}

/* The fake guest: takes at most 3 bytes per call, records breaks as '#'. */
static char rx[256];
static size_t rx_len;
static pthread_mutex_t rx_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t slow_deliver(void *opaque, const u8 *buf, size_t len)
{
	size_t n = len < 3 ? len : 3;

	(void)opaque;
	pthread_mutex_lock(&rx_lock);
	if (rx_len + n >= sizeof(rx))
		n = sizeof(rx) - 1 - rx_len;
	memcpy(rx + rx_len, buf, n);
	rx_len += n;
	pthread_mutex_unlock(&rx_lock);
	return n;
}

static void on_break(void *opaque)
{
	(void)opaque;
	pthread_mutex_lock(&rx_lock);
	if (rx_len < sizeof(rx) - 1)
		rx[rx_len++] = '#';
	pthread_mutex_unlock(&rx_lock);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
}

static struct kvm kvm = {
	.vm_fd = -1,
	.end_lock = PTHREAD_MUTEX_INITIALIZER,
	.end_cond = PTHREAD_COND_INITIALIZER,
};

static void test_thread(void)
{
	static const char input[] = "hello\x01" "bs\x01\x01" "world\x01x";
	int fds[2];

	if (pipe(fds) < 0 || dup2(fds[0], STDIN_FILENO) < 0) {
		skip("cannot make a pipe stdin");
		return;
	}
	close(fds[0]);
	term_set_break_handler(on_break);
	if (!ok(term_start_input(&kvm, slow_deliver, NULL) == 0, "input thread starts"))
		return;
	if (write(fds[1], input, sizeof(input) - 1) < 0)
		diag("write to the pipe failed");
	close(fds[1]);		/* end of file after the input */
	for (int i = 0; i < 500; i++) {
		bool done;

		pthread_mutex_lock(&rx_lock);
		done = rx_len >= 13;
		pthread_mutex_unlock(&rx_lock);
		pthread_mutex_lock(&kvm.end_lock);
		done = done && kvm.end != VM_END_NONE;
		pthread_mutex_unlock(&kvm.end_lock);
		if (done)
			break;
		sleep_ms(2);
	}
	term_stop_input();
	rx[rx_len] = 0;
	is_str(rx, "hello#s\x01world", "input delivered in order, break in place, partial takes retried");
	is_int(kvm.end, VM_END_USER, "Ctrl-A x ends the VM as a user exit");
	is_int(kvm.exit_status, 0, "with exit status 0");
}

static void test_signals(void)
{
	static struct kvm k2 = {
		.vm_fd = -1,
		.end_lock = PTHREAD_MUTEX_INITIALIZER,
		.end_cond = PTHREAD_COND_INITIALIZER,
	};

	if (!ok(term_install_signals(&k2) == 0, "signal thread installed"))
		return;
	raise(SIGTERM);
	for (int i = 0; i < 500; i++) {
		bool done;

		pthread_mutex_lock(&k2.end_lock);
		done = k2.end != VM_END_NONE;
		pthread_mutex_unlock(&k2.end_lock);
		if (done)
			break;
		sleep_ms(2);
	}
	pthread_mutex_lock(&k2.end_lock);
	is_int(k2.end, VM_END_USER, "SIGTERM ends the VM as a user exit");
	is_int(k2.exit_status, 128 + SIGTERM, "with status 143");
	ok(strstr(k2.end_msg, "SIGTERM") != NULL, "message names the signal");
	pthread_mutex_unlock(&k2.end_lock);
}

int main(void)
{
	test_parser();
	ok(strstr(term_help_text(), "x") != NULL, "help text lists the escapes");
	term_restore();
	ok(1, "term_restore without term_init is a no-op");
	test_thread();
	test_signals();
	return done_testing();
}
