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
 * - A temporary file is locked (flock) while written, so that a later run
 *   can tell one left by a killed writer from one in use.
 * No StarPU here. */
#ifndef LP_FILE_OUT_H
#define LP_FILE_OUT_H

#include <stdio.h>

typedef struct lp_out_file {
    FILE *f;          /* where to write */
    char *target;     /* the file that will hold the data */
    char *tmp;        /* the temporary file, NULL when written directly */
} lp_out_file;

/* Checks, before any work, that path can be written as above: not a
 * directory, its directory writable, not the tool's standard output when
 * that is a regular file (the report goes there), and, unless force, not
 * an existing read-only file (as cp asks).  Returns 0, or -1 with
 * "PATH: why" in err; -2 (err too) where path is the standard output. */
int lp_out_check(const char *path, int force, char *err, size_t errlen);

/* Whether two paths name the same file, by any path (links followed,
 * files that do not exist yet compared by their directory's real path);
 * a character device such as /dev/null is no file two outputs fight over. */
int lp_out_same_file(const char *a, const char *b);

/* Removes the temporary files an earlier writer of path left behind (a run
 * that was killed): regular files named PATH.lp-starpu-tmp.XXXXXX, owned by this
 * user, locked by no live writer, empty or starting as a .npy, JSON or SVG
 * file does.  Returns how many it removed. */
int lp_out_remove_stale(const char *path);

/* From a signal handler, which then exits: unlinks every temporary file
 * open for writing (async-signal-safe). */
void lp_out_unlink_temporaries(void);

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
