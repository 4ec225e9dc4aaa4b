/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The running kernel's configuration, from /proc/config.gz or
 * /boot/config-$(uname -r): tests ask for an option to SKIP with a reason,
 * or to decode swap entry types that depend on CONFIG_DEVICE_PRIVATE.
 */
#ifndef MR_KCONFIG_H
#define MR_KCONFIG_H

#include <stddef.h>

enum kconfig_state {
	KCONFIG_UNKNOWN = -1,	/* no config available */
	KCONFIG_NO = 0,
	KCONFIG_YES = 1,
	KCONFIG_MODULE = 2,
};

/* @name without the CONFIG_ prefix. */
enum kconfig_state kconfig_get(const char *name);
enum kconfig_state kconfig_lookup(const char *text, const char *name);
/*
 * Which reports this kernel can give of a use-after-free in a
 * SLAB_TYPESAFE_BY_RCU cache such as anon_vma's (what a lost R2 fix
 * causes): KASAN with SLUB_RCU_DEBUG, KFENCE when armed.  Fills @buf.
 */
const char *kconfig_uaf_detectors(char *buf, size_t len);

#endif
