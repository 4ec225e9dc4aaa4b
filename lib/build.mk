# SPDX-License-Identifier: GPL-2.0
#
# Shared build glue for the test directories (migration/, ksm/, hotplug/).
# In a kernel tree (tools/testing/selftests/migration_races/<dir>) it uses
# the tree's lib.mk as any selftest does.  Standalone it uses the kernel
# tree named by top_srcdir=, or the one scripts/setup.sh prepared, and the
# uapi headers "make headers" installed for it: old system headers are
# never used silently.

MR_DIR := $(realpath $(dir $(lastword $(MAKEFILE_LIST)))/..)
MR_CACHE ?= $(or $(MIGRATION_RACES_CACHE),$(HOME)/.cache/migration_races)

ifneq ($(wildcard $(MR_DIR)/../lib.mk),)
MR_SELFTESTS := $(realpath $(MR_DIR)/..)
else
ifeq ($(top_srcdir),)
top_srcdir := $(realpath $(MR_CACHE)/ksrc)
ifeq ($(top_srcdir),)
$(error no kernel tree: run scripts/setup.sh, or pass top_srcdir=/path/to/linux)
endif
ifeq ($(KHDR_INCLUDES),)
KHDR_INCLUDES := -isystem $(MR_CACHE)/khdr/usr/include
endif
endif
MR_SELFTESTS := $(realpath $(top_srcdir))/tools/testing/selftests
endif

ifeq ($(wildcard $(MR_SELFTESTS)/lib.mk),)
$(error no kselftest framework at $(MR_SELFTESTS))
endif

MR_LIB_SRCS := $(sort $(wildcard $(MR_DIR)/lib/*.c))
MR_LIB_HDRS := $(sort $(wildcard $(MR_DIR)/lib/*.h))

CFLAGS += -Wall -Werror -O2 -g $(KHDR_INCLUDES) -I$(MR_DIR)/lib \
	  -I$(MR_SELFTESTS) -pthread
LDLIBS += -lnuma -lm

LOCAL_HDRS += $(MR_LIB_HDRS)

include $(MR_SELFTESTS)/lib.mk

# lib.mk defaults KHDR_INCLUDES to $(top_srcdir)/usr/include: make sure
# that directory really holds installed headers.
MR_KHDR := $(patsubst -isystem%,%,$(filter-out -isystem,$(KHDR_INCLUDES)))
ifneq ($(MR_KHDR),)
ifeq ($(wildcard $(strip $(MR_KHDR))/linux/mman.h),)
$(error no uapi headers in $(MR_KHDR): run "make headers" in the kernel tree, or scripts/setup.sh)
endif
endif

$(TEST_GEN_PROGS): $(MR_LIB_SRCS)

# Standalone, the runner cannot find a directory's "settings" (it looks
# for them under the kernel tree), so run through a kselftest install as
# run_kselftest.sh would: the top-level Makefile does that.
ifeq ($(wildcard $(MR_DIR)/../lib.mk),)
override define RUN_TESTS
	$(MAKE) -C $(MR_DIR) run_tests \
		MR_RUN_ARGS="-c migration_races/$(notdir $(CURDIR))"
endef
endif
