/* Outputs that never destroy a file: see file_out.h for the rules. */
#include "file_out.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
    return -1;
}

static int is_stdout(const char *path)
{
    return strcmp(path, "-") == 0;
}

/* The directory part of path ("." when it has none); malloc'd. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, path, n);
        d[n] = '\0';
    }
    return d;
}

/* Follows symbolic links to the file they end at, which need not exist.
 * Returns a malloc'd path, or NULL with errno set (ELOOP: a cycle). */
static char *resolve(const char *path)
{
    char *p = strdup(path);
    for (int hops = 0; p && hops < 40; hops++) {
        struct stat st;
        if (lstat(p, &st) != 0 || !S_ISLNK(st.st_mode))
            return p;
        char link[4096];
        ssize_t n = readlink(p, link, sizeof link - 1);
        if (n < 0) {
            free(p);
            return NULL;
        }
        link[n] = '\0';
        char *next, *dir = link[0] == '/' ? NULL : dir_of(p);
        if (dir) {
            next = malloc(strlen(dir) + strlen(link) + 2);
            if (next)
                sprintf(next, "%s/%s", dir, link);
            free(dir);
        } else {
            next = link[0] == '/' ? strdup(link) : NULL;
        }
        free(p);
        p = next;
    }
    if (p) {
        free(p);
        errno = ELOOP;
    }
    return NULL;
}

/* The mode a plain creat() would give: 0666 less the umask.  umask() can
 * only be read by changing it, which races with other threads creating
 * files, so read it from /proc where Linux exposes it. */
static mode_t new_file_mode(void)
{
    unsigned mask = 022;
    FILE *f = fopen("/proc/self/status", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "Umask: %o", &mask) == 1)
                break;
        fclose(f);
    }
    return (mode_t)(0666 & ~mask);
}

int lp_out_check(const char *path, char *err, size_t errlen)
{
    if (is_stdout(path))
        return 0;
    char *target = resolve(path);
    if (!target)
        return fail(err, errlen, "%s: %s", path, strerror(errno));
    struct stat st;
    int ret = 0;
    if (stat(target, &st) == 0 && S_ISDIR(st.st_mode)) {
        ret = fail(err, errlen, "%s: is a directory", path);
    } else if (stat(target, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (access(target, W_OK) != 0)
            ret = fail(err, errlen, "%s: cannot write: %s", path, strerror(errno));
    } else {
        char *dir = dir_of(target);
        if (!dir || access(dir, W_OK | X_OK) != 0)
            ret = fail(err, errlen, "%s: directory is not writable", path);
        free(dir);
    }
    free(target);
    return ret;
}

int lp_out_replaces(const char *path)
{
    if (is_stdout(path))
        return 0;
    char *target = resolve(path);
    struct stat st;
    int replaces = target && (stat(target, &st) != 0 || S_ISREG(st.st_mode));
    free(target);
    return replaces;
}

int lp_out_open(lp_out_file *o, const char *path, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    if (is_stdout(path)) {
        o->f = stdout;
        return 0;
    }
    o->target = resolve(path);
    if (!o->target)
        return fail(err, errlen, "%s: %s", path, strerror(errno));
    struct stat st;
    int exists = stat(o->target, &st) == 0;
    if (exists && !S_ISREG(st.st_mode)) {   /* a device or a FIFO: never replaced */
        o->f = fopen(o->target, "w");
        if (!o->f) {
            int e = errno;
            lp_out_abort(o);
            return fail(err, errlen, "%s: cannot write: %s", path, strerror(e));
        }
        return 0;
    }
    size_t n = strlen(o->target);
    o->tmp = malloc(n + sizeof ".tmp.XXXXXX");
    if (!o->tmp) {
        lp_out_abort(o);
        return fail(err, errlen, "%s: out of memory", path);
    }
    memcpy(o->tmp, o->target, n);
    memcpy(o->tmp + n, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        int e = errno;
        free(o->tmp);
        o->tmp = NULL;
        lp_out_abort(o);
        return fail(err, errlen, "%s: cannot create a temporary file: %s", path, strerror(e));
    }
    /* A replaced file keeps its permissions; a new one gets the umask's. */
    mode_t mode = exists ? st.st_mode & 07777 : new_file_mode();
    if (fchmod(fd, mode) != 0 || !(o->f = fdopen(fd, "wb"))) {
        int e = errno;
        close(fd);
        lp_out_abort(o);
        return fail(err, errlen, "%s: cannot write: %s", path, strerror(e));
    }
    return 0;
}

int lp_out_commit(lp_out_file *o, const char *path, char *err, size_t errlen)
{
    const char *what = "cannot write";
    int ok = fflush(o->f) == 0 && !ferror(o->f);
    if (ok && o->tmp) {
        what = "cannot sync";
        ok = fsync(fileno(o->f)) == 0;
    }
    int e = errno;
    if (o->f != stdout) {
        if (fclose(o->f) != 0 && ok) {
            e = errno;
            what = "cannot close";
            ok = 0;
        }
        o->f = NULL;
    }
    if (ok && o->tmp && rename(o->tmp, o->target) != 0) {
        e = errno;
        what = "cannot rename the temporary file over it";
        ok = 0;
    }
    if (ok) {
        free(o->tmp);   /* renamed: nothing to remove */
        o->tmp = NULL;
    }
    lp_out_abort(o);
    return ok ? 0 : fail(err, errlen, "%s: %s: %s", path, what, strerror(e));
}

void lp_out_abort(lp_out_file *o)
{
    if (o->f && o->f != stdout)
        fclose(o->f);
    if (o->tmp)
        unlink(o->tmp);
    free(o->tmp);
    free(o->target);
    memset(o, 0, sizeof *o);
}
