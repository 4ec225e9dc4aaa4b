/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The running kernel's configuration, from /proc/config.gz or
 * /boot/config-$(uname -r): tests ask for an option to SKIP with a reason,
 * or to decode swap entry types that depend on CONFIG_DEVICE_PRIVATE.
 */
#ifndef MR_KCONFIG_H
#define MR_KCONFIG_H

enum kconfig_state {
	KCONFIG_UNKNOWN = -1,	/* no config available */
	KCONFIG_NO = 0,
	KCONFIG_YES = 1,
	KCONFIG_MODULE = 2,
};

/* @name without the CONFIG_ prefix. */
enum kconfig_state kconfig_get(const char *name);
enum kconfig_state kconfig_lookup(const char *text, const char *name);

#endif
