/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The virtio device core (virtio 1.2, "modern" devices only): device
 * status, feature negotiation, reset, configuration space and its
 * generation, queues, I/O threads, and the fault path into
 * DEVICE_NEEDS_RESET. Devices implement struct virtio_dev_ops and never
 * see the transport; transports (virtio/pci.c, virtio/mmio.c) map their
 * registers onto the virtio_* calls below and implement
 * struct virtio_transport_ops.
 *
 * Sources: virtio 1.2 sections 2.1 (status), 2.2 (features), 2.4 (reset),
 * 2.5 (configuration space), 3.1 (initialization), 6 (reserved features).
 *
 * Threads and locks:
 *  - vdev->lock guards status, features, queue configuration and the
 *    transport's registers; transports hold it around register accesses
 *    (the *_locked calls below).
 *  - queue work runs on the device's I/O threads (ops->queue_notify), never
 *    on a vCPU. A driver notification reaches them through the queue's
 *    kick eventfd: written by KVM (ioeventfd) or by the transport's exit
 *    handler where ioeventfd is unavailable.
 *  - order: vdev->lock, then vq->lock, then the transport's interrupt lock.
 *    Code running in a handler holds none of them.
 */
#ifndef LKVM_VIRTIO_H
#define LKVM_VIRTIO_H

#include <pthread.h>

#include "virtio/virtq.h"

struct kvm;

/* Device status bits (virtio 1.2 section 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE	1
#define VIRTIO_STATUS_DRIVER		2
#define VIRTIO_STATUS_DRIVER_OK		4
#define VIRTIO_STATUS_FEATURES_OK	8
#define VIRTIO_STATUS_NEEDS_RESET	64
#define VIRTIO_STATUS_FAILED		128

/* Reserved feature bits (section 6) lkvm implements for every device. */
#define VIRTIO_F_INDIRECT_DESC		28
#define VIRTIO_F_EVENT_IDX		29
#define VIRTIO_F_VERSION_1		32
#define VIRTIO_BIT(n)			(1ULL << (n))
#define VIRTIO_CORE_FEATURES		(VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) | \
					 VIRTIO_BIT(VIRTIO_F_EVENT_IDX) | \
					 VIRTIO_BIT(VIRTIO_F_VERSION_1))

/* Device IDs (section 5). */
#define VIRTIO_ID_NET		1
#define VIRTIO_ID_BLOCK		2
#define VIRTIO_ID_CONSOLE	3
#define VIRTIO_ID_RNG		4

/* MSI-X "no vector" (4.1.4.3). */
#define VIRTIO_MSI_NO_VECTOR	0xffff

#define VIRTIO_MAX_QUEUES	64	/* queues per device lkvm supports */
#define VIRTIO_MAX_THREADS	16	/* I/O threads per device */
#define VIRTIO_CONFIG_MAX	0x1000	/* bytes of device configuration space */

enum virtio_transport { VIRTIO_TRANSPORT_PCI, VIRTIO_TRANSPORT_MMIO, VIRTIO_NR_TRANSPORTS };

struct virtio_device;

/*
 * What a device type provides. Every callback is optional except
 * queue_notify.
 */
struct virtio_dev_ops {
	/*
	 * queue_notify - the driver made buffers available on @vq (or the
	 * device just went live): pop, process, push, virtq_notify().
	 * Runs on one of the device's I/O threads, with the device live
	 * (DRIVER_OK, not broken, not resetting) for the whole call.
	 */
	void (*queue_notify)(struct virtio_device *vdev, struct virtqueue *vq);
	/*
	 * config_write - the driver wrote @len bytes at @offset of the
	 * configuration space (bounds checked). Called with vdev->lock held;
	 * update vdev->config if the field is writable. Without it writes are
	 * ignored.
	 */
	void (*config_write)(struct virtio_device *vdev, u32 offset,
			     const u8 *data, u32 len);
	/*
	 * features_ok - veto a feature set the driver chose (a subset of the
	 * offered ones with VERSION_1). Return 0 to accept. vdev->lock held.
	 */
	int (*features_ok)(struct virtio_device *vdev, u64 features);
	/* driver_ok - the driver set DRIVER_OK (vdev->lock held, do not block). */
	void (*driver_ok)(struct virtio_device *vdev);
	/*
	 * reset - forget all device state (the driver wrote status 0). Called
	 * with vdev->lock held, after every handler returned and before the
	 * queues are stopped. Requests still in flight may complete later:
	 * their virtq_push() is dropped, so they must only free their memory.
	 */
	void (*reset)(struct virtio_device *vdev);
	/*
	 * exit - lkvm is ending (virtio_exit_all()): the I/O threads are
	 * joined and no vCPU runs. Finish or drop in-flight work, close files.
	 */
	void (*exit)(struct virtio_device *vdev);
	/*
	 * irqs_changed - what the transport's queue_irqfd() answers for some
	 * queue may have changed (MSI-X enabled or disabled, a vector masked,
	 * unmasked or given a new message, a queue given another vector, a
	 * reset): ask again for the queues whose interrupts leave lkvm. Runs
	 * on the vCPU thread of the guest's write before the write completes,
	 * sometimes with vdev->lock or the PCI lock held: it must take
	 * neither, nor block for long.
	 */
	void (*irqs_changed)(struct virtio_device *vdev);
};

/*
 * What a transport provides to the core. Each transport (virtio/pci.c,
 * virtio/mmio.c) fills one and virtio/transports.c lists them in
 * virtio_transports[]; the core finds them there and names none.
 */
struct virtio_transport_ops {
	const char *name;		/* "pci", "mmio": --virtio-transport's word */
	/*
	 * attach - give the initialized @vdev its register window, interrupt
	 * and notifications on this transport, and set vdev->tops and
	 * vdev->transport. Returns 0, or -1 with an error logged.
	 */
	int (*attach)(struct kvm *kvm, struct virtio_device *vdev);
	/* Used-buffer interrupt for @vq (thread-safe, no vdev->lock needed). */
	void (*signal_queue)(struct virtio_device *vdev, struct virtqueue *vq);
	/* Configuration-change interrupt (thread-safe). */
	void (*signal_config)(struct virtio_device *vdev);
	/*
	 * queue_irqfd - optional: an eventfd each write of which raises
	 * @vq's used-buffer interrupt inside KVM without lkvm (KVM_IRQFD,
	 * Documentation/virt/kvm/api.rst), for a producer such as vhost
	 * (VHOST_SET_VRING_CALL). Only while that interrupt needs nothing
	 * of lkvm's: virtio-pci gives the irqfd of the queue's MSI-X vector
	 * while MSI-X is enabled and the vector valid and unmasked (virtio
	 * 1.2 section 4.1.5.1.2, PCI 3.0 section 6.8.2). Returns the fd (the
	 * transport's: do not close it; open until exit), or -1: use
	 * signal_queue. Thread-safe; the device learns of changes through
	 * its ops->irqs_changed.
	 */
	int (*queue_irqfd)(struct virtio_device *vdev, struct virtqueue *vq);
	/* Reset the transport's own state (vdev->lock held), e.g. ISR and
	 * MSI-X vector numbers. */
	void (*reset)(struct virtio_device *vdev);
	/* Release the transport (ioeventfds, bus ranges) at exit. */
	void (*exit)(struct virtio_device *vdev);
};

/*
 * virtio_transports - the transports, indexed by enum virtio_transport
 * (virtio/transports.c: one line per transport).
 */
extern const struct virtio_transport_ops *const virtio_transports[VIRTIO_NR_TRANSPORTS];

struct virtio_io_thread;

/*
 * A virtio device. The device fills the fields marked (dev) before
 * virtio_dev_register(); the rest belong to the core and the transport.
 */
struct virtio_device {
	const char *name;		/* (dev) "virtio-rng" */
	u16 device_id;			/* (dev) VIRTIO_ID_* */
	u16 pci_class_hi;		/* (dev) PCI class code (base, sub) for the PCI transport */
	const struct virtio_dev_ops *ops;	/* (dev) */
	void *priv;			/* (dev) device state */
	u64 device_features;		/* (dev) device-specific bits; the core adds its own */
	u8 *config;			/* (dev) configuration space image, little endian */
	u32 config_size;		/* (dev) its size in bytes (<= VIRTIO_CONFIG_MAX) */
	int nr_queues;			/* (dev) 1..VIRTIO_MAX_QUEUES */
	u16 queue_size;			/* (dev) largest queue size (power of 2), default 256 */
	int nr_threads;			/* (dev) I/O threads, default 1; queue q goes to q % n */

	struct kvm *kvm;
	const struct guest_mem *mem;
	struct virtqueue vqs[VIRTIO_MAX_QUEUES];
	char label[80];			/* "virtio-rng (pci 00:02.0)": names it in logs */

	pthread_mutex_t lock;
	pthread_cond_t idle_cond;	/* handlers all left (reset waits on it) */
	u64 offered;			/* device_features | VIRTIO_CORE_FEATURES */
	u64 driver_features;		/* as written by the driver */
	u64 features;			/* accepted at FEATURES_OK */
	u32 status;			/* atomic: readers need no lock */
	u32 config_gen;			/* atomic */
	int broken;			/* atomic: a fault was reported */
	int active;			/* handlers running (under lock) */
	bool resetting;

	const struct virtio_transport_ops *tops;
	void *transport;

	struct virtio_io_thread *threads;
	int nr_started;
	struct virtio_device *next;	/* all registered devices */
};

/*
 * virtio_dev_register - create @vdev on @kvm behind @transport: queues,
 * kick eventfds, the transport (PCI function or MMIO region), and the
 * I/O threads. Returns 0, or -1 with an error logged.
 */
int virtio_dev_register(struct kvm *kvm, struct virtio_device *vdev,
			enum virtio_transport transport);

/*
 * virtio_dev_init - the core part of virtio_dev_register() without a
 * transport or threads (unit tests attach their own). Returns 0 or -1.
 */
int virtio_dev_init(struct kvm *kvm, struct virtio_device *vdev,
		    const struct guest_mem *mem);

/* virtio_dev_start_threads - start @vdev's I/O threads. Returns 0 or -1. */
int virtio_dev_start_threads(struct virtio_device *vdev);

/*
 * virtio_dev_add_fd - watch @fd on I/O thread @thread (modulo the count)
 * of @vdev and call @fn(@opaque) from it whenever @fd is readable
 * (level-triggered: @fn must consume what made it readable). For
 * completion eventfds (io_uring). Returns 0 or -1.
 */
int virtio_dev_add_fd(struct virtio_device *vdev, int thread, int fd,
		      void (*fn)(void *opaque), void *opaque);

/*
 * virtio_dev_watch_kick - stop (@watch false) or resume waking @vdev's I/O
 * thread on queue @q's kick eventfd. For a back end that takes the kicks
 * from the same eventfd itself (vhost-net): left watched, every kick would
 * also wake the I/O thread for nothing. Kicks made while unwatched are
 * not counted as the device's (nr_kicks); if there were any, the thread
 * looks at the queue once when it is watched again.
 * Returns 0, or -1 (no such queue or thread; epoll_ctl's errno).
 */
int virtio_dev_watch_kick(struct virtio_device *vdev, int q, bool watch);

/*
 * virtio_exit_all - stop and join every device's I/O threads and release
 * the transports. Call once the vCPUs have stopped. Idempotent.
 */
void virtio_exit_all(void);

/*
 * virtio_dev_fail - the driver broke the rules (a hostile descriptor, a
 * bad queue configuration): set DEVICE_NEEDS_RESET, send a configuration
 * change interrupt if the driver is running, stop the device's queues
 * until a reset, and log one warning line naming the device, @vq (may be
 * NULL) and the fault. Only the first fault per reset is logged.
 * Thread-safe; takes no lock.
 */
void virtio_dev_fail(struct virtio_device *vdev, const struct virtqueue *vq,
		     const char *fmt, ...) __printf(3, 4);

/*
 * virtio_dev_begin / virtio_dev_end - bracket device work done outside
 * queue_notify (e.g. console input from the terminal thread). begin
 * returns false, and then end must not be called, when the device is not
 * live (no DRIVER_OK, broken, or resetting); a reset waits for end.
 */
bool virtio_dev_begin(struct virtio_device *vdev);
void virtio_dev_end(struct virtio_device *vdev);

/*
 * virtio_config_changed - the device changed its configuration space
 * (under vdev->lock, or before the driver can see it): bump the
 * configuration generation and interrupt the driver.
 */
void virtio_config_changed(struct virtio_device *vdev);

/*
 * virtio_irqs_changed - for transports: what queue_irqfd() answers may
 * have changed; tells the device (ops->irqs_changed) if it cares.
 * Same context rules as that op.
 */
void virtio_irqs_changed(struct virtio_device *vdev);

/* virtio_status - the device status byte. */
u8 virtio_status(struct virtio_device *vdev);

/* virtio_has_feature - was feature bit @bit accepted at FEATURES_OK? */
bool virtio_has_feature(const struct virtio_device *vdev, unsigned int bit);

/*
 * virtio_dev_set_device_features - make @features @vdev's device-specific
 * offer (the core adds its own bits), for a device that learns part of
 * it only after virtio_dev_register() (virtio-net: its back end's
 * offloads). Call before the driver can read the offer. Takes vdev->lock.
 */
void virtio_dev_set_device_features(struct virtio_device *vdev, u64 features);

/* ---- for transports: call with vdev->lock held -------------------------- */

/* The 32 feature bits the device offers starting at bit 32 * @sel (0 past 63). */
u32 virtio_device_features_locked(struct virtio_device *vdev, u32 sel);
/* Driver features word @sel: read back / written (ignored after FEATURES_OK). */
u32 virtio_driver_features_locked(struct virtio_device *vdev, u32 sel);
void virtio_set_driver_features_locked(struct virtio_device *vdev, u32 sel, u32 val);

/*
 * virtio_set_status_locked - the driver wrote @val to device_status.
 * 0 resets the device (waits for running handlers, may drop vdev->lock
 * meanwhile). FEATURES_OK sticks only if the features are acceptable
 * (a subset of the offer, with VERSION_1); DRIVER_OK starts the queues.
 * NEEDS_RESET is the device's and cannot be set or cleared by the driver.
 */
void virtio_set_status_locked(struct virtio_device *vdev, u8 val);

/*
 * virtio_queue_enable_locked - the driver enabled queue @vq with its
 * configuration: check and map it. A bad configuration puts the device
 * into DEVICE_NEEDS_RESET; returns 0 or -1.
 */
int virtio_queue_enable_locked(struct virtio_device *vdev, struct virtqueue *vq);

/* virtio_queue_kick - the driver notified @vq (exit path, no lock needed). */
void virtio_queue_kick(struct virtqueue *vq);

/* Configuration space access of @len bytes at @offset; out-of-range bytes
 * read as 0 and are not written. */
void virtio_config_read_locked(struct virtio_device *vdev, u32 offset, u8 *data, u32 len);
void virtio_config_write_locked(struct virtio_device *vdev, u32 offset,
				const u8 *data, u32 len);

/* virtio_transport_parse - "pci" or "mmio" into @out. Returns 0 or -1. */
int virtio_transport_parse(const char *s, enum virtio_transport *out);

/* virtio_transport_name - "pci" or "mmio". */
const char *virtio_transport_name(enum virtio_transport t);

#endif
