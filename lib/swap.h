/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Swap for the tests that need it: the active swap when there is one,
 * else a zram device set up here and removed again by the undo log.
 * No other swap device is touched.
 */
#ifndef MR_SWAP_H
#define MR_SWAP_H

#include <stddef.h>

/* 0 with swap active, else -1 and the reason in @why. */
int swap_ensure(size_t bytes, char *why, size_t len);
int swap_active(void);

#endif
