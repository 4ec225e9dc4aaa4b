/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hugetlb pools, as a test leaves them: migrating a hugetlb page away
 * from a frame that soft offline retires, or memory offline dissolving
 * the free huge pages of a block, shrinks the pool for good.
 */
#ifndef MR_HUGETLB_H
#define MR_HUGETLB_H

/*
 * Saves nr_hugepages of every huge page size, in all and on every node
 * that holds pool pages, in the undo log, so that the restore (the test's
 * or the guardian's) puts the pools back.  0 or -errno (undo log full).
 */
int hugetlb_pools_save(void);

#endif
