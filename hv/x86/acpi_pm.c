// SPDX-License-Identifier: GPL-2.0
/*
 * ACPI PM1a fixed hardware: the event block (PM1_STS, PM1_EN) and the
 * control register (PM1_CNT) the FADT points at, and the PM timer. It
 * gives the guest a power button, a way to power itself off (S5) and a
 * 24-bit 3.579545 MHz counter; there is no GPE block, no timer overflow
 * status (TMR_STS stays 0) and no sleep state other than S5 (S1-S4 are not
 * declared in the DSDT, and a request for one is ignored with a warning).
 * Source: ACPI 6.4 sections 4.8.2.2.1, 4.8.3.1, 4.8.3.2, 4.8.3.3 and 16.1.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hv/kvm.h"
#include "hv/x86/acpi.h"
#include "hv/x86/layout.h"
#include "util/log.h"

/* PM1_CNT bits a guest can write and read back; SLP_EN and GBL_RLS are
 * write-only and SCI_EN is read-only (always 1). */
#define PM1_CNT_RW (ACPI_PM1_CNT_BM_RLD | ACPI_PM1_CNT_SLP_TYP)

/* The device behind both port ranges. */
struct acpi_pm {
	struct kvm *kvm;
	pthread_mutex_t lock;	/* vCPUs and the power button race */
	struct acpi_pm1 regs;
	bool sci;		/* level last driven on ACPI_SCI_IRQ */
};

/* Byte @i (0 low, 1 high) of a 16-bit register: registers are little endian. */
static u8 reg_byte(u16 reg, unsigned int i)
{
	return (u8)(reg >> (8 * i));
}

void acpi_pm1_evt_io(struct acpi_pm1 *pm1, u64 offset, u8 *data, u32 len,
		     bool is_write)
{
	if (offset >= ACPI_PM1_EVT_LEN || len > ACPI_PM1_EVT_LEN - offset) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	/* Bytewise, so any width at any offset hits the right halves. */
	for (u32 i = 0; i < len; i++) {
		unsigned int at = offset + i;
		u16 *reg = at < 2 ? &pm1->sts : &pm1->en;
		unsigned int shift = 8 * (at & 1);

		if (!is_write) {
			data[i] = reg_byte(*reg, at & 1);
		} else if (reg == &pm1->sts) {
			/* Write 1 to clear; 0 leaves the bit alone. */
			*reg &= ~((u16)data[i] << shift);
		} else {
			*reg = (*reg & ~(0xffu << shift)) | ((u16)data[i] << shift);
		}
	}
}

bool acpi_pm1_cnt_is_s5(u16 value)
{
	return (value & ACPI_PM1_CNT_SLP_EN) &&
	       ((value & ACPI_PM1_CNT_SLP_TYP) >> ACPI_PM1_CNT_SLP_TYP_SHIFT) ==
		       ACPI_S5_SLP_TYP;
}

bool acpi_pm1_cnt_io(struct acpi_pm1 *pm1, u64 offset, u8 *data, u32 len,
		     bool is_write)
{
	u16 value;

	if (offset >= ACPI_PM1_CNT_LEN || len > ACPI_PM1_CNT_LEN - offset) {
		if (!is_write)
			memset(data, 0xff, len);
		return false;
	}
	value = pm1->cnt | ACPI_PM1_CNT_SCI_EN;
	if (!is_write) {
		for (u32 i = 0; i < len; i++)
			data[i] = reg_byte(value, offset + i);
		return false;
	}
	/* Merge the written bytes; the untouched byte keeps its value. */
	for (u32 i = 0; i < len; i++) {
		unsigned int shift = 8 * (offset + i);

		value = (value & ~(0xffu << shift)) | ((u16)data[i] << shift);
	}
	pm1->cnt = value & PM1_CNT_RW;
	if (acpi_pm1_cnt_is_s5(value))
		return true;
	if (value & ACPI_PM1_CNT_SLP_EN)
		pr_warn_once("acpi: guest asked for unsupported sleep type %u; ignored",
			     (value & ACPI_PM1_CNT_SLP_TYP) >> ACPI_PM1_CNT_SLP_TYP_SHIFT);
	return false;
}

bool acpi_pm1_sci_pending(const struct acpi_pm1 *pm1)
{
	return (pm1->sts & pm1->en) != 0;
}

/* Drive the SCI to match the registers. Called with pm->lock held. */
static void acpi_pm_update_sci(struct acpi_pm *pm)
{
	bool level = acpi_pm1_sci_pending(&pm->regs);

	if (level == pm->sci)
		return;
	pm->sci = level;
	kvm_irq_line(pm->kvm, ACPI_SCI_IRQ, level);
}

static void acpi_pm_evt_access(void *opaque, u64 offset, u8 *data, u32 len,
			       bool is_write, struct vcpu *vcpu)
{
	struct acpi_pm *pm = opaque;

	pthread_mutex_lock(&pm->lock);
	acpi_pm1_evt_io(&pm->regs, offset, data, len, is_write);
	if (is_write)
		acpi_pm_update_sci(pm);
	pthread_mutex_unlock(&pm->lock);
}

static void acpi_pm_cnt_access(void *opaque, u64 offset, u8 *data, u32 len,
			       bool is_write, struct vcpu *vcpu)
{
	struct acpi_pm *pm = opaque;
	bool s5;

	pthread_mutex_lock(&pm->lock);
	s5 = acpi_pm1_cnt_io(&pm->regs, offset, data, len, is_write);
	pthread_mutex_unlock(&pm->lock);
	/* Outside the lock: ending the run kicks every vCPU. */
	if (s5)
		vm_request_exit(pm->kvm, VM_END_POWEROFF, EXIT_GUEST_OFF,
				"guest powered off");
}

u32 acpi_pm_tmr_value(u64 ns)
{
	return (u32)((unsigned __int128)ns * ACPI_PM_TMR_HZ / 1000000000ULL) & 0xffffff;
}

static void acpi_pm_tmr_access(void *opaque, u64 offset, u8 *data, u32 len,
			       bool is_write, struct vcpu *vcpu)
{
	u32 v = acpi_pm_tmr_value(now_ns());

	if (is_write)
		return;		/* read-only */
	for (u32 i = 0; i < len; i++)
		data[i] = offset + i < ACPI_PM_TMR_LEN ? (u8)(v >> (8 * (offset + i))) : 0xff;
}

int acpi_pm_init(struct kvm *kvm)
{
	struct acpi_pm *pm = xzalloc(sizeof(*pm));

	pm->kvm = kvm;
	pthread_mutex_init(&pm->lock, NULL);
	if (bus_register(&kvm->pio, ACPI_PM1A_EVT_PORT, ACPI_PM1_EVT_LEN,
			 "acpi-pm1a-evt", acpi_pm_evt_access, pm))
		goto fail;
	if (bus_register(&kvm->pio, ACPI_PM1A_CNT_PORT, ACPI_PM1_CNT_LEN,
			 "acpi-pm1a-cnt", acpi_pm_cnt_access, pm)) {
		bus_unregister(&kvm->pio, ACPI_PM1A_EVT_PORT);
		goto fail;
	}
	if (bus_register(&kvm->pio, ACPI_PM_TMR_PORT, ACPI_PM_TMR_LEN,
			 "acpi-pm-tmr", acpi_pm_tmr_access, NULL)) {
		bus_unregister(&kvm->pio, ACPI_PM1A_CNT_PORT);
		bus_unregister(&kvm->pio, ACPI_PM1A_EVT_PORT);
		goto fail;
	}
	return 0;
fail:
	pthread_mutex_destroy(&pm->lock);
	free(pm);
	return -1;
}

/* The device registered on @kvm's PM1a event port, or NULL. The bus is
 * where the device is found, so struct kvm needs no field for it. */
static struct acpi_pm *acpi_pm_find(struct kvm *kvm)
{
	return bus_find_opaque(&kvm->pio, acpi_pm_evt_access);
}

void acpi_pm_exit(struct kvm *kvm)
{
	struct acpi_pm *pm = acpi_pm_find(kvm);

	if (!pm)
		return;
	bus_unregister(&kvm->pio, ACPI_PM_TMR_PORT);
	bus_unregister(&kvm->pio, ACPI_PM1A_CNT_PORT);
	bus_unregister(&kvm->pio, ACPI_PM1A_EVT_PORT);
	pthread_mutex_destroy(&pm->lock);
	free(pm);
}

void acpi_pm_power_button(struct kvm *kvm)
{
	struct acpi_pm *pm = acpi_pm_find(kvm);

	if (!pm) {
		pr_warn("acpi: power button pressed, but the guest has no ACPI PM device");
		return;
	}
	pthread_mutex_lock(&pm->lock);
	pm->regs.sts |= ACPI_PM1_PWRBTN;
	acpi_pm_update_sci(pm);
	pthread_mutex_unlock(&pm->lock);
}
