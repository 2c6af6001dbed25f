// SPDX-License-Identifier: GPL-2.0
/*
 * The table of network back ends, by struct net_opts mode: the one place
 * that names them (net/backend.h).
 */
#include <signal.h>

#include "net/backend.h"
#include "util/log.h"

static const struct {
	enum net_mode mode;
	struct net_backend *(*open)(const struct net_opts *o, int index, net_rx_fn rx,
				    void *opaque);
} backends[] = {
	{ NET_USER, net_slirp_open },
	{ NET_TAP, net_tap_open },
};

struct net_backend *net_backend_open(const struct net_opts *o, int index, net_rx_fn rx,
				     void *opaque)
{
	for (size_t i = 0; i < ARRAY_SIZE(backends); i++)
		if (backends[i].mode == o->mode)
			return backends[i].open(o, index, rx, opaque);
	pr_err("network %d: no back end for this mode", index);
	return NULL;
}

int net_thread_start(pthread_t *tid, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(tid, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}
