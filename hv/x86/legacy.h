/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The remaining legacy PC devices a guest kernel probes: the i8042
 * keyboard controller (and its reset line), the CMOS RTC and the POST
 * port. Each registers its ports on kvm->pio.
 * Sources: IBM PC/AT technical reference (port map); Intel 8042 and
 * Motorola MC146818A data sheets.
 */
#ifndef LKVM_X86_LEGACY_H
#define LKVM_X86_LEGACY_H

#include <time.h>

struct kvm;

/*
 * i8042_init - keyboard controller at ports 0x60 and 0x64 (IRQ 1, IRQ 12)
 * with a keyboard and an empty mouse port. Pulsing its reset line (command
 * 0xFE, or 0xD1 with bit 0 clear) ends the VM as VM_END_REBOOT.
 * Returns 0, or -1 if the ports are taken (error logged).
 */
int i8042_init(struct kvm *kvm);

/*
 * rtc_init - MC146818 CMOS clock and 128 bytes of CMOS RAM at ports 0x70
 * (index; bit 7, the NMI mask, ignored) and 0x71 (data). The clock starts
 * at the host's UTC time; what the guest sets sticks as an offset.
 * Update, alarm and periodic interrupts are never raised on IRQ 8; their
 * flags in register C are computed when read, so polling works.
 * Returns 0, or -1 if the ports are taken (error logged).
 */
int rtc_init(struct kvm *kvm);

/*
 * rtc_set_clock - replace the RTC's source of host wall-clock time
 * (default clock_gettime(CLOCK_REALTIME)); NULL restores it. For tests.
 */
void rtc_set_clock(void (*now)(struct timespec *ts));

/*
 * port80_init - the POST code port 0x80, which Linux also writes as an
 * I/O delay: writes are dropped, reads return 0xFF.
 * Returns 0, or -1 if the port is taken (error logged).
 */
int port80_init(struct kvm *kvm);

/*
 * port92_init - system control port A at 0x92: writing bit 0 as 1 (it
 * was 0) ends the VM as VM_END_REBOOT, status EXIT_GUEST_OFF ("fast
 * reset"); bit 1 (fast A20) reads back. Returns 0, or -1 if the port is
 * taken (error logged).
 */
int port92_init(struct kvm *kvm);

#endif
