/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The worker threads of one virtio-9p request queue, so that several 9P
 * requests are in flight at once: a read of a slow file holds up no
 * getattr. The device's I/O thread pops chains (p9_pool_serve). Requests
 * that may wait on a host file's data (p9_server_may_wait: Tread, Twrite,
 * Treaddir, Tfsync) go to the workers, each of which runs the server
 * (virtio/9p-server.h) on one chain at a time and returns it through the
 * used ring itself; the rest (metadata: microseconds on a local file
 * system) the I/O thread answers at once, which spares them the hand-over
 * to another thread. virtq_push() and virtq_notify() take the queue's
 * lock (virtio/virtq.h), so both call them directly, in any order.
 *
 * A data request is answered on the I/O thread as well when it is alone
 * (one guest stream: nothing with a worker or queued, no chain behind it
 * in the ring, and none arrived while the I/O thread last answered one)
 * and its file cannot make it wait on another party
 * (p9_server_io_local: a regular file, directory or xattr buffer, not
 * Tfsync). It then waits only on the host file system, as metadata
 * requests already do, and the stream skips a thread wake-up per
 * request. A FIFO, socket or device still goes to a worker, so a read
 * left waiting there stops nothing; chains the guest sends while the
 * I/O thread answers one wait until it ends, then go to the workers.
 *
 * What 9P asks of the order of replies is kept:
 *  - Tflush(oldtag) is answered only once the reply to every earlier
 *    request with tag oldtag is in the used ring (flush(5): the client
 *    frees the old tag when Rflush arrives and must have seen any reply
 *    to it first);
 *  - Tversion waits for every earlier request and holds back every later
 *    one (version(5): it ends the session, aborting all I/O in progress,
 *    and the next ones belong to the new session).
 * "Earlier" is the order in which the chains were popped. No request
 * waits for a later one, so the earliest in flight always runs.
 *
 * Bounded: at most as many chains in flight as the queue has entries
 * (each with its own struct virtq_elem); past that the I/O thread stops
 * popping and a finishing worker kicks the queue again.
 */
#ifndef LKVM_VIRTIO_9P_POOL_H
#define LKVM_VIRTIO_9P_POOL_H

#include <pthread.h>
#include <stdbool.h>

#include "virtio/9p-server.h"
#include "virtio/virtio.h"

#define P9_POOL_WORKERS	4

struct p9_req;

/* One queue's pool. Fields are the pool's own (under @lock). */
struct p9_pool {
	struct virtqueue *vq;
	struct p9_server *srv;
	pthread_mutex_t lock;
	pthread_cond_t work;		/* a request was queued, or stop */
	pthread_cond_t done;		/* a request left, or stop */
	struct p9_req *reqs;		/* vq->num_max slots */
	struct p9_req *idle;		/* slots not in use */
	struct p9_req *head, *tail;	/* popped, waiting for a worker, in order */
	struct p9_req *running;		/* taken by a worker (handled or waiting) */
	u64 next_seq;
	bool stop, starved;
	int nr_threads;
	pthread_t threads[P9_POOL_WORKERS];
};

/*
 * p9_pool_init - a pool (no threads yet) serving @vq with @srv.
 * Allocates the request slots; never fails.
 */
void p9_pool_init(struct p9_pool *p, struct virtqueue *vq, struct p9_server *srv);

/*
 * p9_pool_serve - on the device's I/O thread (queue_notify): start the
 * workers if they are not running, then pop every available chain and
 * answer it or queue it for them (see above), counting the data requests
 * each way in the server's stats (io_inline, io_worker). A chain that
 * cannot carry a 9P message and an Rlerror (fewer than 7 readable or 11
 * writable bytes) puts the device in DEVICE_NEEDS_RESET
 * (virtio_dev_fail), as a malformed chain does.
 */
void p9_pool_serve(struct p9_pool *p);

/*
 * p9_pool_stop - drop the requests no worker took, wait for those being
 * handled and join the workers (device reset, exit). The server may be
 * reset after it; p9_pool_serve() starts new workers.
 */
void p9_pool_stop(struct p9_pool *p);

/* p9_pool_exit - stop, then free what p9_pool_init() allocated. */
void p9_pool_exit(struct p9_pool *p);

/*
 * p9_pool_test_hook - unit tests only (NULL otherwise): called by a
 * worker, or the I/O thread, with each chain just before the server
 * handles it, e.g. to hold one request back while others complete.
 */
extern void (*p9_pool_test_hook)(const struct virtq_elem *e);

#endif
