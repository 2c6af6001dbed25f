// SPDX-License-Identifier: GPL-2.0
/*
 * Device I/O threads: each virtio device owns one or more threads that
 * wait (epoll) on its queues' kick eventfds and on extra fds the device
 * adds (I/O completions), so queue work never runs on a vCPU thread and a
 * slow device never stalls one. Queue q is served by thread q % n.
 * Sources: epoll(7), eventfd(2); KVM_IOEVENTFD in
 * Documentation/virt/kvm/api.rst for how kicks reach the eventfds.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hv/kvm.h"
#include "util/log.h"
#include "virtio/transport.h"
#include "virtio/virtio.h"

enum watch_kind { WATCH_STOP, WATCH_KICK, WATCH_FD };

/* What one epoll registration stands for. */
struct watch {
	enum watch_kind kind;
	int fd;
	struct virtqueue *vq;		/* WATCH_KICK */
	void (*fn)(void *opaque);	/* WATCH_FD */
	void *opaque;
	struct watch *next;		/* the thread's list, freed at exit */
};

struct virtio_io_thread {
	struct virtio_device *vdev;
	int index;
	int epfd;
	int stop_fd;
	pthread_t tid;
	bool started;
	pthread_mutex_t watch_lock;
	struct watch *watches;
};

static pthread_mutex_t devices_lock = PTHREAD_MUTEX_INITIALIZER;
static struct virtio_device *devices;

bool virtio_use_ioeventfd(struct kvm *kvm)
{
	const char *e = getenv("LKVM_VIRTIO_NO_IOEVENTFD");

	if (e && *e && strcmp(e, "0"))
		return false;
	return kvm->vm_fd >= 0 &&
	       sys_ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD) > 0;
}

static int add_watch(struct virtio_io_thread *t, enum watch_kind kind, int fd,
		     struct virtqueue *vq, void (*fn)(void *), void *opaque)
{
	struct watch *w = xzalloc(sizeof(*w));
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = w };

	w->kind = kind;
	w->fd = fd;
	w->vq = vq;
	w->fn = fn;
	w->opaque = opaque;
	if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		pr_err("%s: epoll_ctl: %s", t->vdev->label, strerror(errno));
		free(w);
		return -1;
	}
	pthread_mutex_lock(&t->watch_lock);
	w->next = t->watches;
	t->watches = w;
	pthread_mutex_unlock(&t->watch_lock);
	return 0;
}

static void handle_kick(struct virtio_device *vdev, struct virtqueue *vq)
{
	u64 n;

	/* Consume the count first: a kick during the work wakes us again. */
	if (read(vq->kick_fd, &n, sizeof(n)) < 0) {
		if (errno != EAGAIN)
			return;
	} else {
		__atomic_fetch_add(&vq->nr_kicks, n, __ATOMIC_RELAXED);
	}
	if (!virtio_dev_begin(vdev))
		return;		/* not live: DRIVER_OK will kick again */
	if (__atomic_load_n(&vq->ready, __ATOMIC_ACQUIRE))
		vdev->ops->queue_notify(vdev, vq);
	virtio_dev_end(vdev);
}

static void *io_thread(void *arg)
{
	struct virtio_io_thread *t = arg;
	struct epoll_event evs[16];
	char name[16];

	snprintf(name, sizeof(name), "%.10s-io%d", t->vdev->name + (strncmp(t->vdev->name, "virtio-", 7) ? 0 : 7),
		 t->index);
	pthread_setname_np(pthread_self(), name);
	for (;;) {
		int n = epoll_wait(t->epfd, evs, ARRAY_SIZE(evs), -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			pr_err("%s: epoll_wait: %s", t->vdev->label, strerror(errno));
			return NULL;
		}
		for (int i = 0; i < n; i++) {
			struct watch *w = evs[i].data.ptr;

			switch (w->kind) {
			case WATCH_STOP:
				return NULL;
			case WATCH_KICK:
				handle_kick(t->vdev, w->vq);
				break;
			case WATCH_FD:
				w->fn(w->opaque);
				break;
			}
		}
	}
}

int virtio_dev_start_threads(struct virtio_device *vdev)
{
	sigset_t all, old;
	int n = vdev->nr_threads;

	vdev->threads = xzalloc(n * sizeof(*vdev->threads));
	for (int i = 0; i < n; i++)
		vdev->threads[i].epfd = vdev->threads[i].stop_fd = -1;
	for (int i = 0; i < n; i++) {
		struct virtio_io_thread *t = &vdev->threads[i];

		t->vdev = vdev;
		t->index = i;
		pthread_mutex_init(&t->watch_lock, NULL);
		t->epfd = epoll_create1(EPOLL_CLOEXEC);
		t->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (t->epfd < 0 || t->stop_fd < 0) {
			pr_err("%s: cannot create its I/O thread's fds: %s", vdev->label,
			       strerror(errno));
			return -1;
		}
		if (add_watch(t, WATCH_STOP, t->stop_fd, NULL, NULL, NULL) < 0)
			return -1;
	}
	for (int q = 0; q < vdev->nr_queues; q++)
		if (add_watch(&vdev->threads[q % n], WATCH_KICK, vdev->vqs[q].kick_fd,
			      &vdev->vqs[q], NULL, NULL) < 0)
			return -1;

	/* Signals are for the vCPU and main threads (kicks, SIGINT/SIGTERM). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (int i = 0; i < n; i++) {
		struct virtio_io_thread *t = &vdev->threads[i];
		int err = pthread_create(&t->tid, NULL, io_thread, t);

		if (err) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			pr_err("%s: cannot start its I/O thread: %s", vdev->label, strerror(err));
			return -1;
		}
		t->started = true;
		vdev->nr_started = i + 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	pthread_mutex_lock(&devices_lock);
	vdev->next = devices;
	devices = vdev;
	pthread_mutex_unlock(&devices_lock);
	return 0;
}

int virtio_dev_add_fd(struct virtio_device *vdev, int thread, int fd,
		      void (*fn)(void *opaque), void *opaque)
{
	if (!vdev->threads || thread < 0 || !fn)
		return -1;
	return add_watch(&vdev->threads[thread % vdev->nr_threads], WATCH_FD, fd,
			 NULL, fn, opaque);
}

int virtio_dev_watch_kick(struct virtio_device *vdev, int q, bool watch)
{
	struct virtio_io_thread *t;
	u64 theirs = 0;
	int ret = -1;

	if (!vdev->threads || q < 0 || q >= vdev->nr_queues)
		return -1;
	/* The kicks while unwatched were the back end's: dropped before
	 * the watch is back, so the thread neither counts nor sees them */
	if (watch && read(vdev->vqs[q].kick_fd, &theirs, sizeof(theirs)) != sizeof(theirs))
		theirs = 0;
	t = &vdev->threads[q % vdev->nr_threads];
	pthread_mutex_lock(&t->watch_lock);
	for (struct watch *w = t->watches; w; w = w->next) {
		struct epoll_event ev = { .events = watch ? EPOLLIN : 0, .data.ptr = w };

		if (w->kind == WATCH_KICK && w->vq == &vdev->vqs[q]) {
			ret = epoll_ctl(t->epfd, EPOLL_CTL_MOD, w->fd, &ev);
			break;
		}
	}
	pthread_mutex_unlock(&t->watch_lock);
	/* but the queue is looked at once */
	if (theirs)
		virtio_queue_kick(&vdev->vqs[q]);
	return ret;
}

/* One info line per device: what each queue carried (lkvm's own stats). */
static void report_device(struct virtio_device *vdev)
{
	char line[512];
	size_t o = 0;

	for (int q = 0; q < vdev->nr_queues && o < sizeof(line); q++)
		o += snprintf(line + o, sizeof(line) - o,
			      "%squeue %d: %llu buffers, %llu interrupts, %llu kicks", q ? "; " : "", q,
			      (unsigned long long)__atomic_load_n(&vdev->vqs[q].nr_popped, __ATOMIC_RELAXED),
			      (unsigned long long)__atomic_load_n(&vdev->vqs[q].nr_notified, __ATOMIC_RELAXED),
			      (unsigned long long)__atomic_load_n(&vdev->vqs[q].nr_kicks, __ATOMIC_RELAXED));
	pr_info("%s: %s", vdev->label, line);
	for (int q = 0; q < vdev->nr_queues; q++) {
		virtq_describe(&vdev->vqs[q], line, sizeof(line));
		pr_debug("%s: queue %d: %s", vdev->label, q, line);
	}
}

static void stop_device(struct virtio_device *vdev)
{
	for (int i = 0; i < vdev->nr_started; i++) {
		struct virtio_io_thread *t = &vdev->threads[i];
		u64 one = 1;

		if (!t->started)
			continue;
		if (write(t->stop_fd, &one, sizeof(one)) < 0)
			pr_warn("%s: cannot stop its I/O thread: %s", vdev->label, strerror(errno));
		pthread_join(t->tid, NULL);
		t->started = false;
	}
	for (int i = 0; i < vdev->nr_threads && vdev->threads; i++) {
		struct virtio_io_thread *t = &vdev->threads[i];

		while (t->watches) {
			struct watch *w = t->watches;

			t->watches = w->next;
			free(w);
		}
		if (t->epfd >= 0)
			close(t->epfd);
		if (t->stop_fd >= 0)
			close(t->stop_fd);
		t->epfd = t->stop_fd = -1;
	}
	vdev->nr_started = 0;
	if (vdev->ops->exit)
		vdev->ops->exit(vdev);
	report_device(vdev);
	if (vdev->tops && vdev->tops->exit)
		vdev->tops->exit(vdev);
}

void virtio_exit_all(void)
{
	struct virtio_device *list;

	pthread_mutex_lock(&devices_lock);
	list = devices;
	devices = NULL;
	pthread_mutex_unlock(&devices_lock);
	for (struct virtio_device *d = list; d; d = d->next)
		stop_device(d);
}
