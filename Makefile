# SPDX-License-Identifier: GPL-2.0
#
# migration_races: selftests that drive page migration into the races its
# fixes closed.  In a kernel tree this is
# tools/testing/selftests/migration_races and works like any nested
# selftest (the futex/ pattern).  Standalone, "make install" also lays out
# run_kselftest.sh and kselftest-list.txt, and "make run_tests" runs
# through that install so every directory's settings are honoured.

# The test directories, one line each, in the order they run.
SUBDIRS :=
SUBDIRS += migration
SUBDIRS += ksm
SUBDIRS += hotplug

include lib/build.mk

MR_IN_TREE := $(wildcard $(MR_DIR)/../lib.mk)
MR_RUN_DIR ?= $(OUTPUT)/kselftest_install
COLLECTION ?= migration_races

all:
	@for DIR in $(SUBDIRS); do				\
		mkdir -p $(OUTPUT)/$$DIR;			\
		$(MAKE) OUTPUT=$(OUTPUT)/$$DIR -C $$DIR $@ || exit 1; \
	done

define SUBDIR_INSTALL
	@for DIR in $(SUBDIRS); do				\
		mkdir -p $(OUTPUT)/$$DIR;			\
		$(MAKE) OUTPUT=$(OUTPUT)/$$DIR -C $$DIR		\
			INSTALL_PATH=$(1)/$$DIR install || exit 1; \
	done
	install -m 0644 -t $(1) config settings
endef

define SUBDIR_EMIT
	@for DIR in $(SUBDIRS); do				\
		$(MAKE) -s --no-print-directory OUTPUT=$(OUTPUT)/$$DIR \
			COLLECTION=$(COLLECTION)/$$DIR -C $$DIR emit_tests; \
	done
endef

ifneq ($(MR_IN_TREE),)
override define INSTALL_RULE
	$(call SUBDIR_INSTALL,$(INSTALL_PATH))
endef

override define RUN_TESTS
	@for DIR in $(SUBDIRS); do				\
		$(MAKE) OUTPUT=$(OUTPUT)/$$DIR -C $$DIR run_tests; \
	done
endef
else
# A complete kselftest install: what run_kselftest.sh, gen_tar users,
# KernelCI and LAVA expect, with this suite as its only collection.
override define INSTALL_RULE
	$(call SUBDIR_INSTALL,$(INSTALL_PATH)/migration_races)
	install -m 0755 -t $(INSTALL_PATH) $(MR_SELFTESTS)/run_kselftest.sh
	mkdir -p $(INSTALL_PATH)/kselftest
	install -t $(INSTALL_PATH)/kselftest $(MR_SELFTESTS)/kselftest/*
	$(MAKE) -s --no-print-directory emit_tests > $(INSTALL_PATH)/kselftest-list.txt
endef

override define RUN_TESTS
	$(MAKE) install INSTALL_PATH=$(MR_RUN_DIR)
	cd $(MR_RUN_DIR) && ./run_kselftest.sh $(MR_RUN_ARGS)
endef
endif

# lib.mk's own emit_tests lists nothing here; the subdirectories do.
emit_tests: emit_subdir_tests
emit_subdir_tests:
	$(SUBDIR_EMIT)

override define CLEAN
	@for DIR in $(SUBDIRS); do				\
		$(MAKE) OUTPUT=$(OUTPUT)/$$DIR -C $$DIR clean;	\
	done
	$(RM) -r $(MR_RUN_DIR)
endef

.PHONY: all emit_subdir_tests

# Project tooling from here to the end: none of it goes upstream
# (scripts/upstream-series.sh cuts the file at this line).

# The suite in a 2-node VM on Debian distro kernels (scripts/vmtest.sh -h).
vmtest:
	$(MR_DIR)/scripts/vmtest.sh $(VMTEST_ARGS)

# One small debug test kernel (scripts/build-kernel.sh -h).
kernel:
	$(MR_DIR)/scripts/build-kernel.sh $(KERNEL_ARGS)

# Every race test must fail on a kernel that lost its fix, on its debug
# or KASAN flavour and on the production flavour (scripts/mutants.sh -h).
MUTANTS_ARGS ?= --production
mutants:
	$(MR_DIR)/scripts/mutants.sh $(MUTANTS_ARGS)

# The patch series that adds the suite to a kernel tree, checked as a
# maintainer would check it (scripts/upstream-series.sh -h).
upstream-series:
	$(MR_DIR)/scripts/upstream-series.sh $(UPSTREAM_ARGS)

# Window events per second, counted by the kernel in the VM, this suite
# side by side with its peers (scripts/bench.sh -h).  Not part of CI.
bench:
	$(MR_DIR)/scripts/bench.sh $(BENCH_ARGS)

.PHONY: vmtest kernel mutants upstream-series bench
