/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A "room": touched anonymous pages a scenario holds and frees by PFN in
 * waves, so that compaction finds partly used pageblocks where the
 * scenario's own pages are.
 *
 * Compaction moves a page only while it lies below the point where its
 * migrate and free scanners meet, and it fills holes in partly used
 * pageblocks only; on a nearly empty node a scenario's fresh pages may
 * sit where the migrate scanner never gets for a whole case.  A room made
 * before the scenario's pages are allocated, then freed by PFN modulo
 * @waves (one wave at a time), puts those pages in the holes (per-CPU
 * lists first), among pages compaction moves, with the holes above them
 * as its targets.  Or, made above the scenario's pages and freed from
 * another CPU, so that nothing on the scenario's CPU takes them from the
 * per-CPU lists, its holes stay free: compaction's free scanner stops in
 * them and its migrate scanner passes the scenario's pages below.  Or,
 * made before the scenario's pages, its lowest pages by PFN freed first
 * (room_punch_low()) for them to land in, with the rest of the room above
 * them to punch later.  Children do not inherit the room (MADV_DONTFORK).
 */
#ifndef MR_ROOM_H
#define MR_ROOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct room {
	char *p;
	size_t n, psz;
	uint64_t *pfn;		/* 0: not known */
	unsigned int waves, punched;
};

/*
 * Maps and touches @bytes of room, on @cpu (>= 0) so on its node, and
 * learns its PFNs.  Returns 0, or -errno with nothing held.
 */
int room_make(struct room *r, size_t bytes, unsigned int waves, int cpu);
/* Frees the next wave of pages (on @cpu when >= 0); false when none left. */
bool room_punch(struct room *r, int cpu);
/*
 * Frees the room's @pages lowest pages by PFN (on @cpu when >= 0), which
 * later waves then skip; returns how many it freed.
 */
size_t room_punch_low(struct room *r, size_t pages, int cpu);
void room_drop(struct room *r);

#endif
