/* Writing a file the user named without ever destroying one: every output
 * of the tool (--output, --json, --trace) goes through here.
 *
 * - A regular file, or a name that does not exist yet, is written to a
 *   temporary file in the same directory and renamed over it only once
 *   complete and synced: a failed or interrupted run leaves the old file
 *   as it was and no temporary file.
 * - A symbolic link is followed (to its end, even if that does not exist
 *   yet): its target is replaced, the link stays a link.
 * - Anything else (a device such as /dev/null, a FIFO, a terminal) and
 *   "-" (standard output) are written directly, never replaced.
 * No StarPU here. */
#ifndef LP_FILE_OUT_H
#define LP_FILE_OUT_H

#include <stdio.h>

typedef struct lp_out_file {
    FILE *f;          /* where to write */
    char *target;     /* the file that will hold the data */
    char *tmp;        /* the temporary file, NULL when written directly */
} lp_out_file;

/* Checks, before any work, that path can be written as above.  Returns 0,
 * or -1 with "PATH: why" in err. */
int lp_out_check(const char *path, char *err, size_t errlen);

/* Whether path would be written through a temporary file (a regular file,
 * a new one, or a link to one), not directly; without opening it (opening
 * a FIFO blocks until it has a reader). */
int lp_out_replaces(const char *path);

/* Opens path for writing.  Returns 0, or -1 with "PATH: why" in err. */
int lp_out_open(lp_out_file *o, const char *path, char *err, size_t errlen);

/* Flushes, syncs and closes, then renames the temporary file over the
 * target.  On any failure the temporary file is removed and -1 returned
 * with "PATH: why" in err.  The writer is closed either way. */
int lp_out_commit(lp_out_file *o, const char *path, char *err, size_t errlen);

/* Closes and removes the temporary file (the target is untouched). */
void lp_out_abort(lp_out_file *o);

#endif
