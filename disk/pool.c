// SPDX-License-Identifier: GPL-2.0
/*
 * The thread-pool engine: a FIFO of requests served by a few workers with
 * blocking preadv/pwritev/fdatasync/fallocate (disk_sync_req). Used where
 * io_uring is unavailable, for copy-on-write disks, and for the requests
 * io_uring hands back. Completions run on the workers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "disk/disk.h"
#include "util/log.h"

#define POOL_MAX_THREADS 16

struct disk_pool {
	struct disk *disk;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct disk_req *head, *tail;
	bool stop;
	int nr_threads;
	pthread_t threads[POOL_MAX_THREADS];
};

static void *worker(void *arg)
{
	struct disk_pool *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct disk_req *req;

		while (!p->head && !p->stop)
			pthread_cond_wait(&p->cond, &p->lock);
		if (!p->head)
			break;	/* stopping and drained */
		req = p->head;
		p->head = req->next;
		if (!p->head)
			p->tail = NULL;
		pthread_mutex_unlock(&p->lock);
		req->done(req, disk_sync_req(p->disk, req));
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct disk_pool *disk_pool_start(struct disk *d, int threads)
{
	struct disk_pool *p = xzalloc(sizeof(*p));

	p->disk = d;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	if (threads < 1)
		threads = 1;
	if (threads > POOL_MAX_THREADS)
		threads = POOL_MAX_THREADS;
	for (int i = 0; i < threads; i++) {
		int err = pthread_create(&p->threads[i], NULL, worker, p);

		if (err) {
			pr_err("-d %s: cannot start an I/O thread: %s", d->path, strerror(err));
			disk_pool_stop(p);
			return NULL;
		}
		p->nr_threads++;
	}
	return p;
}

void disk_pool_queue(struct disk_pool *p, struct disk_req *req)
{
	req->next = NULL;
	pthread_mutex_lock(&p->lock);
	if (p->tail)
		p->tail->next = req;
	else
		p->head = req;
	p->tail = req;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

void disk_pool_stop(struct disk_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	for (int i = 0; i < p->nr_threads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
}
