// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-9p's worker threads (virtio/9p-pool.h): the I/O thread pops
 * chains into request slots, answers metadata requests (and a data
 * request that is alone, on a local file) itself and queues the other
 * data requests in pop order; workers take them in that order. Either
 * waits where 9P orders a request after earlier ones (Tflush, Tversion),
 * runs the server and pushes the reply. Sources:
 * flush(5) and version(5) of the 9P2000 manual for the ordering; virtio
 * 1.2 section 2.7.13 (a device may use buffers in any order).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/log.h"
#include "virtio/9p-pool.h"

/* One popped chain and what the pool needs of its 9P header. */
struct p9_req {
	struct virtq_elem *elem;	/* allocated on the slot's first use */
	u64 seq;			/* pop order */
	u8 type;
	u16 tag;
	bool flush;			/* a Tflush with an oldtag */
	u16 oldtag;
	u32 fid;			/* a data request's fid, if the chain has one */
	struct p9_req *next;		/* in idle, the queue, or running */
};

void (*p9_pool_test_hook)(const struct virtq_elem *e);

void p9_pool_init(struct p9_pool *p, struct virtqueue *vq, struct p9_server *srv)
{
	*p = (struct p9_pool){ .vq = vq, .srv = srv };
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	p->reqs = xzalloc(vq->num_max * sizeof(*p->reqs));
	for (int i = 0; i < vq->num_max; i++) {
		p->reqs[i].next = p->idle;
		p->idle = &p->reqs[i];
	}
}

/* Does @q, in flight, hold @r back (9p-pool.h)? */
static bool holds_back(const struct p9_req *q, const struct p9_req *r)
{
	if (q->seq >= r->seq)
		return false;
	return q->type == P9_TVERSION || r->type == P9_TVERSION ||
	       (r->flush && q->tag == r->oldtag);
}

/* Must @r wait for a request popped before it that is still in flight,
 * with a worker or queued for one (all workers busy)? */
static bool must_wait(const struct p9_pool *p, const struct p9_req *r)
{
	for (const struct p9_req *q = p->running; q; q = q->next)
		if (holds_back(q, r))
			return true;
	for (const struct p9_req *q = p->head; q; q = q->next)
		if (holds_back(q, r))
			return true;
	return false;
}

/* Run the server on @r's chain and return it through the used ring. */
static void handle(struct p9_pool *p, struct p9_req *r)
{
	struct virtq_elem *e = r->elem;
	int n;

	if (p9_pool_test_hook)
		p9_pool_test_hook(e);
	n = p9_server_handle(p->srv, e->iov, e->nr_out, e->out_len, e->iov + e->nr_out,
			     e->nr_in, e->in_len);
	if (n < 0) {	/* cannot happen: p9_pool_serve() checked the lengths */
		virtio_dev_fail(p->vq->vdev, p->vq, "request %u: no room for a 9P answer", e->head);
		return;
	}
	virtq_push(p->vq, e, (u32)n);
	virtq_notify(p->vq);
}

/* @r left (answered or dropped): free its slot. Pool lock held. */
static void finish_locked(struct p9_pool *p, struct p9_req *r)
{
	struct p9_req **pp = &p->running;

	while (*pp != r)
		pp = &(*pp)->next;
	*pp = r->next;
	r->next = p->idle;
	p->idle = r;
	pthread_cond_broadcast(&p->done);
	if (p->starved) {	/* the I/O thread left chains in the ring */
		p->starved = false;
		virtio_queue_kick(p->vq);
	}
}

/* Answer @r, taken off the queue (or never queued) and on the running
 * list, once no earlier request holds it back; then free its slot.
 * Called and returns with the pool lock held. */
static void run_locked(struct p9_pool *p, struct p9_req *r)
{
	while (!p->stop && must_wait(p, r))
		pthread_cond_wait(&p->done, &p->lock);
	if (!p->stop) {
		pthread_mutex_unlock(&p->lock);
		handle(p, r);
		pthread_mutex_lock(&p->lock);
	}
	finish_locked(p, r);
}

static void *worker(void *arg)
{
	struct p9_pool *p = arg;

	pthread_setname_np(pthread_self(), "9p-worker");
	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct p9_req *r;

		while (!p->stop && !p->head)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->stop)
			break;
		r = p->head;
		p->head = r->next;
		if (!p->head)
			p->tail = NULL;
		r->next = p->running;
		p->running = r;
		run_locked(p, r);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Start the workers with every signal blocked (signals are for the vCPU
 * and main threads). Returns 0 if at least one runs, -1 otherwise. */
static int start(struct p9_pool *p)
{
	sigset_t all, old;

	p->stop = false;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (int i = 0; i < P9_POOL_WORKERS; i++) {
		if (pthread_create(&p->threads[p->nr_threads], NULL, worker, p))
			break;
		p->nr_threads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return p->nr_threads ? 0 : -1;
}

/* Give an unused slot back. */
static void put_idle(struct p9_pool *p, struct p9_req *r)
{
	pthread_mutex_lock(&p->lock);
	r->next = p->idle;
	p->idle = r;
	pthread_mutex_unlock(&p->lock);
}

/*
 * Pop the next chain into a free slot and note what the pool needs of
 * its header; it takes its place in pop order now. Returns the slot, or
 * NULL with *@more true when chains may be left in the ring (no free
 * slot: a finishing request kicks the queue) and false when the ring is
 * empty or the device failed.
 */
static struct p9_req *pop_req(struct p9_pool *p, bool *more)
{
	struct virtqueue *vq = p->vq;
	/* size[4] type[1] tag[2], then Tflush's oldtag[2] or the data
	 * requests' fid[4] */
	u8 hdr[P9_HDR_BYTES + 4] = { 0 };
	struct virtq_elem *e;
	struct p9_req *r;
	size_t n;

	*more = false;
	pthread_mutex_lock(&p->lock);
	r = p->idle;
	if (r)
		p->idle = r->next;
	else
		p->starved = *more = true;
	pthread_mutex_unlock(&p->lock);
	if (!r)
		return NULL;
	if (!r->elem)
		r->elem = virtq_elem_alloc(vq);
	e = r->elem;
	if (virtq_pop(vq, e) != 1) {
		put_idle(p, r);
		return NULL;
	}
	if (e->out_len < P9_HDR_BYTES || e->in_len < P9_RLERROR_BYTES) {
		virtio_dev_fail(vq->vdev, vq, "request %u: %llu readable, %llu writable bytes: too short for a 9P message and its answer",
				e->head, (unsigned long long)e->out_len,
				(unsigned long long)e->in_len);
		put_idle(p, r);
		return NULL;
	}
	/* the pool's own copy: the server reads the chain again */
	n = virtq_elem_from_guest(e, 0, hdr, sizeof(hdr));
	r->type = hdr[4];
	r->tag = hdr[5] | hdr[6] << 8;
	r->flush = r->type == P9_TFLUSH && n >= P9_HDR_BYTES + 2;
	r->oldtag = hdr[7] | hdr[8] << 8;
	r->fid = n == sizeof(hdr) ? hdr[7] | hdr[8] << 8 | hdr[9] << 16 | (u32)hdr[10] << 24 :
				    P9_NOFID;
	r->next = NULL;
	pthread_mutex_lock(&p->lock);
	r->seq = p->next_seq++;
	pthread_mutex_unlock(&p->lock);
	return r;
}

/* Answer @r on the calling thread (the I/O thread). */
static void run_here(struct p9_pool *p, struct p9_req *r)
{
	pthread_mutex_lock(&p->lock);
	r->next = p->running;
	p->running = r;
	run_locked(p, r);
	pthread_mutex_unlock(&p->lock);
}

/* Queue data request @r for the workers. */
static void hand_over(struct p9_pool *p, struct p9_req *r)
{
	__atomic_fetch_add(&p->srv->stats.io_worker, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&p->lock);
	if (p->tail)
		p->tail->next = r;
	else
		p->head = r;
	p->tail = r;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
}

/* Is no request in flight: none with a worker, none queued for one? */
static bool idle(struct p9_pool *p)
{
	bool none;

	pthread_mutex_lock(&p->lock);
	none = !p->running && !p->head;
	pthread_mutex_unlock(&p->lock);
	return none;
}

void p9_pool_serve(struct p9_pool *p)
{
	struct p9_req *r, *next;
	bool more, busy = false;

	if (!p->nr_threads && start(p) < 0) {
		virtio_dev_fail(p->vq->vdev, p->vq, "cannot start its worker threads");
		return;
	}
	/*
	 * One chain ahead: a data request is answered here only when no
	 * other chain is in flight or in the ring behind it, and on a file
	 * whose I/O waits on no other party (p9_server_io_local), so it
	 * delays nothing that a worker would have run beside it but what
	 * the guest sends while it runs. A chain found right after such an
	 * answer (@busy) came in meanwhile: the guest has more than one
	 * request going, so the next data request goes to a worker.
	 */
	for (r = pop_req(p, &more); r; r = next) {
		next = pop_req(p, &more);
		if (!p9_server_may_wait(r->type)) {
			run_here(p, r);
			continue;
		}
		if (next || more || busy || !idle(p) ||
		    !p9_server_io_local(p->srv, r->type, r->fid)) {
			busy = false;
			hand_over(p, r);
			continue;
		}
		__atomic_fetch_add(&p->srv->stats.io_inline, 1, __ATOMIC_RELAXED);
		run_here(p, r);
		next = pop_req(p, &more);
		busy = next != NULL;
	}
}

void p9_pool_stop(struct p9_pool *p)
{
	if (!p->nr_threads)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	while (p->head) {	/* never taken: dropped with the queue */
		struct p9_req *r = p->head;

		p->head = r->next;
		r->next = p->idle;
		p->idle = r;
	}
	p->tail = NULL;
	pthread_cond_broadcast(&p->work);
	pthread_cond_broadcast(&p->done);
	pthread_mutex_unlock(&p->lock);
	for (int i = 0; i < p->nr_threads; i++)
		pthread_join(p->threads[i], NULL);
	p->nr_threads = 0;
	p->starved = false;
}

void p9_pool_exit(struct p9_pool *p)
{
	p9_pool_stop(p);
	for (int i = 0; p->reqs && i < p->vq->num_max; i++)
		free(p->reqs[i].elem);
	free(p->reqs);
	p->reqs = p->idle = NULL;
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
}
