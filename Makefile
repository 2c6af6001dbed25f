# SPDX-License-Identifier: GPL-2.0
# lkvm - native Linux KVM tool.
#
#   make                 build ./lkvm
#   make V=1             show full commands
#   make O=DIR           objects and binaries under DIR
#   make KERNEL_DIR=...  build against that tree's exported uapi headers
#   make check           unit tests, guest payloads and Linux tests (prove)
#   make check-unit      unit tests only
#   make check SANITIZE=1  lkvm and the unit tests with ASan+UBSan (O=out-sanitize)
#   make check-sanitize  the same, as one target (CI)
#   make fuzz            libFuzzer targets under tests/fuzz/, each run FUZZ_SECONDS
#   make install prefix=/usr/local
#   make guest           demo guest (Debian cloud kernel + busybox initramfs)
#   make guest-small     small test kernel built from Debian's linux-source
#   make demo            boot the demo guest on this terminal

.DEFAULT_GOAL := all
CC ?= gcc
# SANITIZE=1: AddressSanitizer (leaks included) and UBSan, every report
# fatal; objects go to their own directory unless O= is given.
ifeq ($(SANITIZE),1)
ifeq ($(origin O),undefined)
O := out-sanitize
endif
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif
O ?= .
prefix ?= /usr/local
bindir = $(prefix)/bin
# lkvm finds its guest init at ../lib/lkvm/lkvm-init from its own directory.
libdir = $(prefix)/lib/lkvm
mandir = $(prefix)/share/man/man1
docdir = $(prefix)/share/doc/lkvm
OUT := $(patsubst %/,%,$(O))
comma := ,

ifeq ($(V),1)
Q =
say =
else
Q = @
say = @printf '  %-8s %s\n' $(1) $(2);
endif

LKVM_VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1)

CPPFLAGS += -I. -I$(OUT) -D_GNU_SOURCE -DLKVM_VERSION='"$(LKVM_VERSION)"'
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -pthread -MMD -MP
CFLAGS += $(SAN_FLAGS)
LDFLAGS += $(SAN_FLAGS)
# Libraries lkvm always needs are linked from their static archives (the
# Debian -dev packages ship them): each shared library costs every lkvm
# process its loading and relocation at exec, the biggest part of a short
# run's start-up on hosts where page faults are dear (bench/start). `make
# STATIC_LIBS=` links them all shared.
STATIC_LIBS ?= bpf tracefs traceevent elf json-c uring ncursesw tinfo zstd lzma lz4 bz2 z
LINK_LIBS := bpf tracefs traceevent elf json-c uring ncursesw tinfo zstd lzma lz4 bz2 z
LDLIBS += $(if $(STATIC_LIBS),-Wl$(comma)-Bstatic $(addprefix -l,$(filter $(STATIC_LIBS),$(LINK_LIBS))) -Wl$(comma)-Bdynamic) \
	$(addprefix -l,$(filter-out $(STATIC_LIBS),$(LINK_LIBS))) -pthread
# Capstone is dlopen()ed by debug dumps only (hv/x86/disasm.c): linked, its
# relocations were most of lkvm's start-up. Its unit test links it.
CAPSTONE_SONAME := $(shell objdump -p $$($(CC) -print-file-name=libcapstone.so) 2>/dev/null | sed -n 's/^ *SONAME *//p')
$(OUT)/hv/x86/disasm.o: CPPFLAGS += $(if $(CAPSTONE_SONAME),-DCAPSTONE_SONAME='"$(CAPSTONE_SONAME)"')
$(OUT)/tests/unit/test-emulate: LDLIBS += -lcapstone
# LINK_LIBS: libelf and the decompressors (boot loaders), liburing (disk
# I/O), json-c (lkvm features), libbpf, libtracefs and libtraceevent (lkvm
# stat), ncurses (lkvm stat top).
CPPFLAGS += -I/usr/include/tracefs -I/usr/include/traceevent
# libslirp (-n user, net/slirp.c) is dlopen()ed when a run has such a NIC:
# with GLib under it, it was half of what lkvm's exec loaded.
SLIRP_SONAME := $(shell objdump -p $$($(CC) -print-file-name=libslirp.so) 2>/dev/null | sed -n 's/^ *SONAME *//p')
$(OUT)/net/slirp.o: CPPFLAGS += $(if $(SLIRP_SONAME),-DSLIRP_SONAME='"$(SLIRP_SONAME)"')

# Newer KVM ABI: install the tree's uapi headers and put them first.
ifneq ($(KERNEL_DIR),)
UAPI_DIR := $(OUT)/uapi
UAPI_STAMP := $(UAPI_DIR)/.stamp
CPPFLAGS := -I$(UAPI_DIR)/include $(CPPFLAGS)
$(UAPI_STAMP):
	$(call say,UAPI,$(KERNEL_DIR))
	@mkdir -p $(UAPI_DIR)
	$(Q)$(MAKE) -s -C $(KERNEL_DIR) O= headers_install INSTALL_HDR_PATH=$(abspath $(UAPI_DIR)) ARCH=x86
	$(Q)touch $@
endif

LIB_SRCS := $(sort $(filter-out %.bpf.c,$(wildcard util/*.c hv/*.c hv/x86/*.c virtio/*.c disk/*.c net/*.c stat/*.c sandbox/*.c)))
BUILTIN_SRCS := $(sort $(wildcard builtin-*.c))
LIB_OBJS := $(patsubst %.c,$(OUT)/%.o,$(LIB_SRCS) $(BUILTIN_SRCS))
MAIN_OBJ := $(OUT)/kvm.o
# Generated from the <linux/kvm.h> in use (see the KVM names rules below).
LIB_OBJS += $(OUT)/gen/kvm-names.o
UNIT_SRCS := $(sort $(wildcard tests/unit/test-*.c))
UNIT_BINS := $(patsubst %.c,$(OUT)/%,$(UNIT_SRCS))
DOCS := $(sort $(wildcard Documentation/lkvm*.txt))

all: $(OUT)/lkvm $(OUT)/guest/lkvm-init doc

# The guest's PID 1 for lkvm sandbox and run --rootfs: static, so it runs
# from an initramfs or a 9p root with no libraries (glibc's libc.a, from
# libc6-dev). Never sanitized: it runs in the guest. lkvm finds it as
# guest/lkvm-init next to itself, or installed in $(libdir).
GUEST_INIT_SRCS := $(sort $(wildcard guest/*.c)) sandbox/spec.c
GUEST_INIT_CFLAGS := -static -O2 -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter
$(OUT)/guest/lkvm-init: $(GUEST_INIT_SRCS) $(wildcard guest/*.h) sandbox/spec.h
	$(call say,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -I. -D_GNU_SOURCE $(GUEST_INIT_CFLAGS) -o $@ $(GUEST_INIT_SRCS)

$(OUT)/%.o: %.c $(UAPI_STAMP)
	$(call say,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(OUT)/liblkvm.a: $(LIB_OBJS)
	$(call say,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(OUT)/lkvm: $(MAIN_OBJ) $(OUT)/liblkvm.a
	$(call say,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUT)/tests/unit/%: $(OUT)/tests/unit/%.o $(OUT)/liblkvm.a
	$(call say,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

include tests/guests/Makefile.inc

# Names of KVM capabilities, exit reasons and ioctls (hv/kvm-names.h),
# generated from the <linux/kvm.h> the compiler finds: the system's, or with
# KERNEL_DIR the tree's exported one. Only -I flags reach the script.
KVM_NAMES_GEN = CC='$(CC)' CPPFLAGS='$(filter -I%,$(CPPFLAGS))' $(SHELL) scripts/gen-kvm-names.sh
KVM_SYS_H := $(if $(KERNEL_DIR),,$(wildcard /usr/include/linux/kvm.h))
$(OUT)/gen/kvm-names.c: scripts/gen-kvm-names.sh $(UAPI_STAMP) $(KVM_SYS_H)
	$(call say,GEN,$@)
	@mkdir -p $(dir $@)
	$(Q)$(KVM_NAMES_GEN) > $@.tmp && mv $@.tmp $@
$(OUT)/gen/%.o: $(OUT)/gen/%.c
	$(call say,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<
# The generator's unit test: a sample header with a capability no kernel has.
$(OUT)/tests/unit/sample-kvm-names.c: scripts/gen-kvm-names.sh tests/unit/sample-kvm.h
	$(call say,GEN,$@)
	@mkdir -p $(dir $@)
	$(Q)$(KVM_NAMES_GEN) -p sample -i '"tests/unit/sample-kvm.h"' > $@.tmp && mv $@.tmp $@
$(OUT)/tests/unit/sample-kvm-names.o: $(OUT)/tests/unit/sample-kvm-names.c
	$(call say,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<
$(OUT)/tests/unit/test-kvm-names: $(OUT)/tests/unit/sample-kvm-names.o

# ACPI DSDT: ASL compiled by iasl (Debian: acpica-tools) into a C array
# (acpi_dsdt_aml_code) that hv/x86/acpi.c includes.
$(OUT)/hv/x86/acpi_dsdt.hex: hv/x86/acpi_dsdt.dsl
	$(call say,IASL,$@)
	@mkdir -p $(dir $@)
	$(Q)iasl -vs -we -tc -p $(basename $@) $< >/dev/null || { rm -f $@ $(basename $@).aml; exit 1; }
$(OUT)/hv/x86/acpi.o: $(OUT)/hv/x86/acpi_dsdt.hex

# lkvm stat's BPF program: compiled by clang against the running kernel's
# BTF (vmlinux.h from bpftool) and embedded as a skeleton (stat/bpf.c).
# NO_BPF=1, or a kernel without /sys/kernel/btf/vmlinux, builds without it.
BTF_VMLINUX ?= /sys/kernel/btf/vmlinux
ifeq ($(NO_BPF)$(wildcard $(BTF_VMLINUX)),)
NO_BPF := 1
endif
ifeq ($(NO_BPF),)
$(OUT)/stat/vmlinux.h: | $(BTF_VMLINUX)
	$(call say,BTF,$@)
	@mkdir -p $(dir $@)
	$(Q)bpftool btf dump file $(BTF_VMLINUX) format c > $@.tmp && mv $@.tmp $@
$(OUT)/stat/stat.bpf.o: stat/stat.bpf.c stat/bpf-maps.h $(OUT)/stat/vmlinux.h
	$(call say,BPF,$@)
	$(Q)clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I. -I$(OUT)/stat -c $< -o $@
$(OUT)/stat/stat.skel.h: $(OUT)/stat/stat.bpf.o
	$(call say,SKEL,$@)
	$(Q)bpftool gen skeleton $< name stat_bpf_skel > $@.tmp && mv $@.tmp $@
$(OUT)/stat/bpf.o: $(OUT)/stat/stat.skel.h
else
$(OUT)/stat/bpf.o: CPPFLAGS += -DLKVM_NO_BPF
endif

tests: $(UNIT_BINS) guests

# Every test prints TAP; prove runs unit binaries and the scripts in tests/.
# With SANITIZE=1, check runs the unit tests only (the payload and Linux
# tiers spend their time in the guest, not in lkvm's parsers).
ifeq ($(SANITIZE),1)
check: $(OUT)/lkvm check-unit
else
# tests/lib/tier-exec runs each file where it can: here, or inside the
# nested-SVM L1 of scripts/nested-kvm when this host's /dev/kvm cannot
# serve it (no /dev/kvm, or a PVM one for guest user space).
check: all tests
	LKVM=$(abspath $(OUT)/lkvm) LKVM_OUT=$(abspath $(OUT)) \
		prove -f --exec tests/lib/tier-exec $(UNIT_BINS) tests/*.t
endif

SAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

check-unit: $(UNIT_BINS)
	$(SAN_ENV) LKVM=$(abspath $(OUT)/lkvm) LKVM_OUT=$(abspath $(OUT)) \
		prove -f $(UNIT_BINS)

# lkvm and the unit tests under ASan+UBSan, in their own directory.
SANITIZE_O ?= $(if $(filter-out .,$(OUT)),$(OUT)/sanitize,out-sanitize)
check-sanitize:
	$(MAKE) SANITIZE=1 O=$(SANITIZE_O) check

# libFuzzer targets (tests/fuzz/fuzz-*.c, see tests/fuzz/README): lkvm's
# library compiled a second time by clang with ASan, UBSan and the fuzzer's
# coverage into $(OUT)/fuzz/, so the normal build is untouched. Each target
# runs FUZZ_SECONDS from seeds that tests/fuzz/make-seeds.py writes; any
# crash, leak, UB report, timeout or OOM fails `make fuzz`; FUZZ_TARGETS="ctl
# elf" runs only those.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_RSS_MB ?= 2048
FUZZ_TIMEOUT ?= 10
FUZZ_OUT := $(OUT)/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -O1 -g -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -pthread \
	-MMD -MP $(FUZZ_SAN) -fsanitize=fuzzer-no-link -DLKVM_NO_BPF
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz-*.c))
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz-%.c,%,$(FUZZ_SRCS))
FUZZ_TARGETS ?= $(FUZZ_NAMES)
FUZZ_BINS := $(patsubst %,$(FUZZ_OUT)/fuzz-%,$(FUZZ_NAMES))
FUZZ_LIB_OBJS := $(patsubst %.c,$(FUZZ_OUT)/obj/%.o,$(LIB_SRCS)) $(FUZZ_OUT)/obj/gen/kvm-names.o

$(FUZZ_OUT)/obj/%.o: %.c $(UAPI_STAMP)
	$(call say,FUZZCC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<
$(FUZZ_OUT)/obj/hv/x86/acpi.o: $(OUT)/hv/x86/acpi_dsdt.hex
$(FUZZ_OUT)/obj/gen/kvm-names.o: $(OUT)/gen/kvm-names.c
	$(call say,FUZZCC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_OUT)/liblkvm-fuzz.a: $(FUZZ_LIB_OBJS)
	$(call say,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(FUZZ_OUT)/fuzz-%: $(FUZZ_OUT)/obj/tests/fuzz/fuzz-%.o $(FUZZ_OUT)/liblkvm-fuzz.a
	$(call say,LINK,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -pthread -o $@ $^ $(LDLIBS)

fuzz-build: $(FUZZ_BINS)

# Seeds are generated, never committed; the corpus grows under $(FUZZ_OUT).
fuzz-seeds: tests/fuzz/make-seeds.py
	$(call say,SEEDS,$(FUZZ_OUT)/seeds)
	$(Q)python3 tests/fuzz/make-seeds.py $(FUZZ_OUT)/seeds

# One rule per target, so `make -j2 fuzz` runs two at once.
FUZZ_RUNS := $(addprefix fuzz-run-,$(FUZZ_TARGETS))
fuzz: $(FUZZ_RUNS)
$(FUZZ_RUNS): fuzz-run-%: $(FUZZ_OUT)/fuzz-% fuzz-seeds
	$(Q)n=$*; mkdir -p $(FUZZ_OUT)/corpus/$$n $(FUZZ_OUT)/seeds/$$n $(FUZZ_OUT)/artifacts; \
	echo "  FUZZ     $$n for $(FUZZ_SECONDS) s"; \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	$(FUZZ_OUT)/fuzz-$$n -max_total_time=$(FUZZ_SECONDS) \
		-rss_limit_mb=$(FUZZ_RSS_MB) \
		-timeout=$(FUZZ_TIMEOUT) -print_final_stats=1 -close_fd_mask=3 \
		-artifact_prefix=$(FUZZ_OUT)/artifacts/$$n- \
		$(FUZZ_OUT)/corpus/$$n $(FUZZ_OUT)/seeds/$$n \
		> $(FUZZ_OUT)/$$n.log 2>&1 || { \
		echo "fuzz: $$n found a problem ($(FUZZ_OUT)/$$n.log):"; \
		grep -E '^(==|SUMMARY|artifact_prefix|Test unit written)|runtime error' \
			$(FUZZ_OUT)/$$n.log | head -20; exit 1; }; \
	grep -E '^stat::number_of_executed_units' $(FUZZ_OUT)/$$n.log | sed "s/^/  $$n: /"

# Man pages: lkvm converts its own pages (`lkvm help --man`, builtin-help.c)
# and `lkvm help` finds them through the directories compiled in below.
MANPAGES := $(patsubst Documentation/%.txt,$(OUT)/Documentation/%.1,$(DOCS))
HELP_DIRS := $(CURDIR) $(abspath $(OUT)) $(docdir) $(mandir)

doc: $(MANPAGES)

$(OUT)/Documentation/%.1: Documentation/%.txt $(OUT)/lkvm
	$(call say,MAN,$@)
	@mkdir -p $(dir $@)
	$(Q)$(OUT)/lkvm help --man $< > $@.tmp && mv $@.tmp $@

$(OUT)/builtin-help.o: CPPFLAGS += -DLKVM_SRCDIR='"$(CURDIR)"' \
	-DLKVM_OUTDIR='"$(abspath $(OUT))"' -DLKVM_DOCDIR='"$(docdir)"' \
	-DLKVM_MANDIR='"$(mandir)"'
# Recompile builtin-help.o when a directory changes (make install prefix=...).
$(OUT)/builtin-help.o: $(OUT)/.help-dirs
$(OUT)/.help-dirs: FORCE
	@mkdir -p $(dir $@)
	@echo '$(HELP_DIRS)' | cmp -s - $@ || echo '$(HELP_DIRS)' > $@

install: all
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(mandir) $(DESTDIR)$(docdir)
	install -m 0755 $(OUT)/lkvm $(DESTDIR)$(bindir)/lkvm
	install -d $(DESTDIR)$(libdir)
	install -m 0755 $(OUT)/guest/lkvm-init $(DESTDIR)$(libdir)/lkvm-init
	install -m 0644 $(DOCS) $(DESTDIR)$(docdir)/
	install -m 0644 $(MANPAGES) $(DESTDIR)$(mandir)/

guest:
	scripts/make-guest.sh

guest-small:
	scripts/build-small-kernel.sh

# Boot the demo guest made by 'make guest' on this terminal (Ctrl-A x quits).
demo: all guest
	@. "$${LKVM_CACHE:-$${XDG_CACHE_HOME:-$$HOME/.cache}/lkvm}/demo/env" && \
		$(OUT)/lkvm run -k "$$KERNEL" -i "$$INITRD" -c 2 -m 1G $(DEMO_ARGS)

check-distro: all guest
	tests/linux/check-distro.sh

clean:
	rm -rf $(OUT)/lkvm $(OUT)/liblkvm.a $(OUT)/uapi \
		$(patsubst %.c,$(OUT)/%.o,$(LIB_SRCS) $(BUILTIN_SRCS) kvm.c $(UNIT_SRCS)) \
		$(patsubst %.c,$(OUT)/%.d,$(LIB_SRCS) $(BUILTIN_SRCS) kvm.c $(UNIT_SRCS)) \
		$(UNIT_BINS) $(GUEST_CLEAN) $(OUT)/stat/vmlinux.h $(OUT)/stat/stat.bpf.o \
		$(OUT)/stat/stat.skel.h \
		$(OUT)/hv/x86/acpi_dsdt.hex $(OUT)/hv/x86/acpi_dsdt.aml $(MANPAGES) $(OUT)/.help-dirs \
		$(OUT)/gen $(OUT)/tests/unit/sample-kvm-names.* \
		$(FUZZ_OUT) $(OUT)/guest/lkvm-init

.PHONY: $(FUZZ_RUNS) all tests check check-unit check-sanitize fuzz fuzz-build fuzz-seeds install guest guest-small demo check-distro clean guests doc FORCE
FORCE:
# Keep the objects of chained rules (unit tests, payloads) but nothing else:
# a bare .SECONDARY: would stop make from rebuilding missing prerequisites.
.SECONDARY: $(UNIT_BINS:=.o) $(GUEST_OBJS) $(OUT)/gen/kvm-names.c $(OUT)/tests/unit/sample-kvm-names.c \
	$(patsubst %.c,$(FUZZ_OUT)/obj/%.o,$(FUZZ_SRCS))

-include $(patsubst %.c,$(OUT)/%.d,$(LIB_SRCS) $(BUILTIN_SRCS) kvm.c $(UNIT_SRCS)) $(wildcard $(OUT)/gen/*.d)
-include $(patsubst %.c,$(FUZZ_OUT)/obj/%.d,$(LIB_SRCS) $(FUZZ_SRCS))
