/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's view of our pages: /proc/PID/pagemap (PFN, swap and
 * migration entries) and /proc/kpageflags (LRU, swap cache, KSM, THP).
 * Window figures come from here: a page that changed PFN was migrated, a
 * migration entry seen by a child was copied by fork.
 */
#ifndef MR_PAGEMAP_H
#define MR_PAGEMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifndef BIT_ULL
#define BIT_ULL(nr)		(1ULL << (nr))
#endif

#define PM_PFN_MASK		(BIT_ULL(55) - 1)
#define PM_MMAP_EXCLUSIVE	BIT_ULL(56)
#define PM_FILE			BIT_ULL(61)
#define PM_SWAP			BIT_ULL(62)
#define PM_PRESENT		BIT_ULL(63)

#define KPF_LRU		5
#define KPF_MMAP	11
#define KPF_ANON	12
#define KPF_SWAPCACHE	13
#define KPF_COMPOUND_HEAD 15
#define KPF_HUGE	17
#define KPF_HWPOISON	19
#define KPF_NOPAGE	20
#define KPF_KSM		21
#define KPF_THP		22

enum migration_entry_kind {
	MIGRATION_NONE = 0,	/* not a migration entry */
	MIGRATION_READ,
	MIGRATION_READ_EXCLUSIVE,
	MIGRATION_WRITE,
};

static inline bool pm_present(uint64_t e) { return e & PM_PRESENT; }
static inline bool pm_swapped(uint64_t e) { return e & PM_SWAP; }
static inline uint64_t pm_pfn(uint64_t e) { return e & PM_PFN_MASK; }
static inline unsigned int pm_swap_type(uint64_t e) { return e & 0x1f; }

int pagemap_open(pid_t pid);	/* pid 0: this process */
/* Reads @npages entries starting at @addr; returns 0 or -errno. */
int pagemap_read(int fd, unsigned long addr, size_t npages, uint64_t *out);
/* PFN of the page at @addr, 0 when not present. */
uint64_t pagemap_pfn_of(int fd, unsigned long addr);

/*
 * Decoding migration entries needs the swap type numbering, which moves
 * with CONFIG_DEVICE_PRIVATE and, on 5.19 to 6.1, the swapin error type.
 * Returns false when it cannot be known.
 */
bool migration_types_known(void);
void migration_types_set(bool device_private, bool swapin_error);
enum migration_entry_kind migration_entry_kind(uint64_t e);
const char *migration_entry_name(enum migration_entry_kind k);

int kpageflags_open(void);
/* Flags of one PFN, or 0 with a negative return on error. */
int kpageflags_read(int fd, uint64_t pfn, uint64_t *flags);
static inline bool kpf(uint64_t flags, int bit) { return flags >> bit & 1; }
/* Unmapped swap-cache folio on the LRU: the R1 candidate. */
bool kpf_unmapped_swapcache(uint64_t flags);

#endif
