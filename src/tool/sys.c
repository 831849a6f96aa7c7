/* What the tool asks of the operating system: directories, memory, and
 * sizes for people. */
#define _DEFAULT_SOURCE 1   /* mkdtemp */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "tool.h"

int lp_temp_dir(const char *name, char *dir, size_t len)
{
    const char *tmp = getenv("TMPDIR");
    if ((size_t)snprintf(dir, len, "%s/%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", name) >= len ||
        !mkdtemp(dir)) {
        if (len)
            dir[0] = '\0';
        return -1;
    }
    return 0;
}

unsigned long long lp_bytes_needed(unsigned long long rows, lp_dtype dtype)
{
    const unsigned long long per_row = 4 * lp_dtype_size(dtype);
    if (rows > ~0ull / per_row)
        return 0;
    return rows * per_row;
}

/* A field of /proc/self/status or /proc/meminfo, in bytes (0 if none). */
static unsigned long long proc_kib(const char *file, const char *field)
{
    unsigned long long kib = 0;
    char line[256], fmt[64];
    FILE *f = fopen(file, "r");
    snprintf(fmt, sizeof fmt, "%s: %%llu kB", field);
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, fmt, &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib * 1024ull;
}

/* The least of what the kernel says is available and what the process's
 * address-space and data limits (ulimit -v / -d, as batch systems set)
 * leave it, beside what it has mapped already (its libraries too). */
unsigned long long lp_memory_available(void)
{
    unsigned long long avail = proc_kib("/proc/meminfo", "MemAvailable");
    unsigned long long mapped = proc_kib("/proc/self/status", "VmSize");
    int limits[2] = {RLIMIT_AS, RLIMIT_DATA};
    for (int i = 0; i < 2; i++) {
        struct rlimit rl;
        if (getrlimit(limits[i], &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
            continue;
        unsigned long long left = i == 0 && rl.rlim_cur > mapped ? rl.rlim_cur - mapped
                                  : i == 0                      ? 1
                                                                : rl.rlim_cur;
        if (avail == 0 || left < avail)
            avail = left;
    }
    return avail;
}

const char *lp_format_bytes(double bytes, char *buf, size_t len)
{
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    while (bytes >= 1024 && u < 6) {
        bytes /= 1024;
        u++;
    }
    snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
    return buf;
}
