/* Files replaced whole, the one home of how: the new content goes to a
 * temporary NAME.lp-starpu-tmp.XXXXXX beside NAME (the same file system, so the
 * rename is atomic), is synced, then renamed over NAME.  Readers (other
 * ranks, runs started together) see the old file or the new one, never a
 * part of one.  The library's files beside the models are written so, and
 * the tool's outputs too (src/tool/file_out.c adds the tool's rules: what
 * may be replaced, locks, cleanup after a signal). */
#define _DEFAULT_SOURCE 1   /* mkstemp */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* lp-starpu's own: a stale one is removed by the next run (file_out.c), so
 * no name a user would give a file of theirs, as "NAME.tmp.backup" is. */
#define TEMP_SUFFIX ".lp-starpu-tmp.XXXXXX"

int lp_file_temp(const char *target, char **tmp)
{
    size_t n = strlen(target);
    *tmp = malloc(n + sizeof TEMP_SUFFIX);
    if (!*tmp) {
        errno = ENOMEM;
        return -1;
    }
    memcpy(*tmp, target, n);
    memcpy(*tmp + n, TEMP_SUFFIX, sizeof TEMP_SUFFIX);
    int fd = mkstemp(*tmp);
    if (fd < 0) {
        int e = errno;
        free(*tmp);
        *tmp = NULL;
        errno = e;
    }
    return fd;
}

int lp_file_is_temp(const char *name, const char *base)
{
    size_t n = strlen(base), k = sizeof TEMP_SUFFIX - 1;
    if (strncmp(name, base, n) != 0 || strlen(name) != n + k ||
        strncmp(name + n, TEMP_SUFFIX, k - 6) != 0)
        return 0;
    for (const char *c = name + n + k - 6; *c; c++)   /* mkstemp's alphabet */
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')))
            return 0;
    return 1;
}

int lp_file_commit(FILE *f, const char *tmp, const char *target, const char **what)
{
    *what = "cannot write";
    int ok = fflush(f) == 0 && !ferror(f);
    if (ok && tmp) {
        *what = "cannot sync";
        ok = fsync(fileno(f)) == 0;
    }
    int e = errno;
    if (fclose(f) != 0 && ok) {
        e = errno;
        *what = "cannot close";
        ok = 0;
    }
    if (ok && tmp && rename(tmp, target) != 0) {
        e = errno;
        *what = "cannot rename the temporary file over it";
        ok = 0;
    }
    errno = e;
    return ok ? 0 : -1;
}

int lp_file_replace(const char *path, const char *text)
{
    char *tmp;
    const char *what;
    int fd = lp_file_temp(path, &tmp);
    if (fd < 0)
        return -1;
    FILE *f = fdopen(fd, "w");
    int ok = f && fputs(text, f) >= 0;
    if (ok)
        ok = lp_file_commit(f, tmp, path, &what) == 0;   /* closes f */
    else if (f)
        fclose(f);
    else
        close(fd);
    if (!ok)
        unlink(tmp);
    free(tmp);
    return ok ? 0 : -1;
}
