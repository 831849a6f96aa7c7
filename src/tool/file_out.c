/* Outputs that never destroy a file: see file_out.h for the rules. */
#define _DEFAULT_SOURCE 1   /* realpath, flock */
#include "file_out.h"
#include "tool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* The temporary files open for writing, for a signal handler to unlink:
 * fixed buffers, each published by its flag once written. */
#define MAX_TEMPS 8
static char temp_path[MAX_TEMPS][PATH_MAX];
static volatile sig_atomic_t temp_used[MAX_TEMPS];

static void remember_temp(const char *path)
{
    for (int i = 0; i < MAX_TEMPS; i++)
        if (!temp_used[i] && strlen(path) < PATH_MAX) {
            strcpy(temp_path[i], path);
            temp_used[i] = 1;
            return;
        }
}

static void forget_temp(const char *path)
{
    for (int i = 0; i < MAX_TEMPS; i++)
        if (temp_used[i] && strcmp(temp_path[i], path) == 0)
            temp_used[i] = 0;
}

void lp_out_unlink_temporaries(void)
{
    for (int i = 0; i < MAX_TEMPS; i++)
        if (temp_used[i])
            unlink(temp_path[i]);
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
 * A link that ends at a device, FIFO or socket is kept as it is: it is
 * written through (/dev/stdout to a pipe reads "pipe:[N]", no path).
 * Returns a malloc'd path, or NULL with errno set (ELOOP: a cycle). */
static char *resolve(const char *path)
{
    char *p = strdup(path);
    for (int hops = 0; p && hops < 40; hops++) {
        struct stat st, end;
        if (lstat(p, &st) != 0 || !S_ISLNK(st.st_mode))
            return p;
        if (stat(p, &end) == 0 && !S_ISREG(end.st_mode) && !S_ISDIR(end.st_mode))
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

int lp_out_check(const char *path, int force, char *err, size_t errlen)
{
    if (is_stdout(path))
        return 0;
    char *target = resolve(path);
    if (!target)
        return lp_fail(err, errlen, "%s: %s", path, strerror(errno));
    struct stat st, std_out;
    int ret = 0, exists = stat(target, &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) {
        ret = lp_fail(err, errlen, "%s: is a directory", path);
    } else if (exists && !S_ISCHR(st.st_mode) && fstat(STDOUT_FILENO, &std_out) == 0 &&
               st.st_dev == std_out.st_dev && st.st_ino == std_out.st_ino) {
        /* A file or a pipe would mix the two; a terminal or /dev/null is
         * only shown or thrown away. */
        lp_fail(err, errlen, "%s: is where standard output goes, which carries the report: name "
                "another file", path);
        ret = -2;   /* two outputs that are one file: a usage error */
    } else if (exists && S_ISREG(st.st_mode) && !force &&
               (access(target, W_OK) != 0 || !(st.st_mode & 0222))) {
        ret = lp_fail(err, errlen, "%s: is read-only (mode %04o): --force replaces it", path,
                   (unsigned)(st.st_mode & 07777));
    } else if (exists && !S_ISREG(st.st_mode)) {
        if (access(target, W_OK) != 0)
            ret = lp_fail(err, errlen, "%s: cannot write: %s", path, strerror(errno));
    } else {
        char *dir = dir_of(target);
        if (!dir)
            ret = lp_fail(err, errlen, "%s: %s", path, strerror(ENOMEM));
        else if (access(dir, W_OK | X_OK) != 0)
            ret = errno == ENOENT || errno == ENOTDIR
                      ? lp_fail(err, errlen, "%s: directory %s does not exist", path, dir)
                      : lp_fail(err, errlen, "%s: directory %s is not writable", path, dir);
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
        return lp_fail(err, errlen, "%s: %s", path, strerror(errno));
    struct stat st;
    int exists = stat(o->target, &st) == 0;
    if (exists && !S_ISREG(st.st_mode)) {   /* a device or a FIFO: never replaced */
        o->f = fopen(o->target, "w");
        if (!o->f) {
            int e = errno;
            lp_out_abort(o);
            return lp_fail(err, errlen, "%s: cannot write: %s", path, strerror(e));
        }
        return 0;
    }
    int fd = lp_file_temp(o->target, &o->tmp);
    if (fd < 0) {
        int e = errno;
        lp_out_abort(o);
        return lp_fail(err, errlen, "%s: cannot create a temporary file: %s", path, strerror(e));
    }
    flock(fd, LOCK_EX);   /* in use while locked: see lp_out_remove_stale */
    remember_temp(o->tmp);
    /* A replaced file keeps its permissions; a new one gets the umask's. */
    mode_t mode = exists ? st.st_mode & 07777 : new_file_mode();
    if (fchmod(fd, mode) != 0 || !(o->f = fdopen(fd, "wb"))) {
        int e = errno;
        close(fd);
        lp_out_abort(o);
        return lp_fail(err, errlen, "%s: cannot write: %s", path, strerror(e));
    }
    return 0;
}

int lp_out_commit(lp_out_file *o, const char *path, char *err, size_t errlen)
{
    const char *what = "cannot write";
    int ok;
    if (o->f == stdout) {
        ok = fflush(stdout) == 0 && !ferror(stdout);
    } else {
        ok = lp_file_commit(o->f, o->tmp, o->target, &what) == 0;   /* closes it */
        o->f = NULL;
    }
    int e = errno;
    if (ok && o->tmp) {
        forget_temp(o->tmp);
        free(o->tmp);   /* renamed: nothing to remove */
        o->tmp = NULL;
    }
    lp_out_abort(o);
    return ok ? 0 : lp_fail(err, errlen, "%s: %s: %s", path, what, strerror(e));
}

void lp_out_abort(lp_out_file *o)
{
    if (o->f && o->f != stdout)
        fclose(o->f);
    if (o->tmp) {
        forget_temp(o->tmp);
        unlink(o->tmp);
    }
    free(o->tmp);
    free(o->target);
    memset(o, 0, sizeof *o);
}

/* What identifies the file a path writes: its device and inode when it
 * exists, else its directory's real path and its name (malloc'd key). */
static int file_key(const char *path, struct stat *st, char **key)
{
    *key = NULL;
    char *target = resolve(path);
    if (!target)
        return -1;
    if (stat(target, st) == 0) {
        free(target);
        return 1;
    }
    char *dir = dir_of(target), *real = dir ? realpath(dir, NULL) : NULL;
    const char *slash = strrchr(target, '/'), *base = slash ? slash + 1 : target;
    if (real && (*key = malloc(strlen(real) + strlen(base) + 2)))
        sprintf(*key, "%s/%s", real, base);
    free(real);
    free(dir);
    free(target);
    return *key ? 0 : -1;
}

int lp_out_same_file(const char *a, const char *b)
{
    if (is_stdout(a) || is_stdout(b))
        return is_stdout(a) && is_stdout(b);
    struct stat sa, sb;
    char *ka, *kb;
    int ea = file_key(a, &sa, &ka), eb = file_key(b, &sb, &kb);
    /* A character device (/dev/null) takes any number of writers. */
    int same = ea == 1 && eb == 1 ? sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino &&
                                        !S_ISCHR(sa.st_mode)
               : ea == 0 && eb == 0 ? strcmp(ka, kb) == 0
                                    : 0;
    free(ka);
    free(kb);
    return same;
}

/* Empty (killed as it was made), or the start of what lp-starpu writes. */
static int written_by_us(int fd)
{
    char head[8];
    ssize_t n = pread(fd, head, sizeof head, 0);
    return n == 0 || (n >= 6 && memcmp(head, "\x93NUMPY", 6) == 0) ||
           (n >= 1 && head[0] == '{') || (n >= 5 && memcmp(head, "<?xml", 5) == 0) ||
           (n >= 4 && memcmp(head, "<svg", 4) == 0);
}

int lp_out_remove_stale(const char *path)
{
    if (is_stdout(path) || !lp_out_replaces(path))
        return 0;
    char *target = resolve(path), *dir = target ? dir_of(target) : NULL;
    DIR *d = dir ? opendir(dir) : NULL;
    int removed = 0;
    const char *slash = target ? strrchr(target, '/') : NULL;
    const char *base = slash ? slash + 1 : target;
    for (struct dirent *e; d && (e = readdir(d));) {
        if (!lp_file_is_temp(e->d_name, base))
            continue;
        int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        struct stat st;
        if (fd < 0)
            continue;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
            flock(fd, LOCK_EX | LOCK_NB) == 0 && written_by_us(fd) &&
            unlinkat(dirfd(d), e->d_name, 0) == 0)
            removed++;
        close(fd);
    }
    if (d)
        closedir(d);
    free(dir);
    free(target);
    return removed;
}
