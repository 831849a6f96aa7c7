/* Captured machines for lp-starpu-sim (machine.h). */
#define _DEFAULT_SOURCE 1   /* mkdtemp */
#include "machine.h"
#include "cli.h"
#include "tool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* StarPU 1.3's performance model files live under this version's name. */
#define LP_MODEL_VERSION_DIR "45"
#define LP_CAPTURE_SAMPLING "starpu-home/.starpu/sampling"

static int copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, ok = in >= 0;
    if (ok)
        ok = (out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) >= 0;
    char buf[65536];
    for (ssize_t n; ok && (n = read(in, buf, sizeof buf)) != 0;)
        ok = n > 0 && write(out, buf, (size_t)n) == n;
    if (in >= 0)
        close(in);
    if (out >= 0 && close(out) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

/* from's files and directories into to (which exists). */
static int copy_tree(const char *from, const char *to)
{
    DIR *d = opendir(from);
    int rc = d ? 0 : -1;
    for (struct dirent *e; rc == 0 && (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char src[4096], dst[4096];
        struct stat st;
        if ((size_t)snprintf(src, sizeof src, "%s/%s", from, e->d_name) >= sizeof src ||
            (size_t)snprintf(dst, sizeof dst, "%s/%s", to, e->d_name) >= sizeof dst ||
            stat(src, &st) != 0)
            rc = -1;
        else if (S_ISDIR(st.st_mode))
            rc = mkdir(dst, 0755) == 0 ? copy_tree(src, dst) : -1;
        else if (S_ISREG(st.st_mode))
            rc = copy_file(src, dst);
    }
    if (d)
        closedir(d);
    return rc;
}

static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    for (struct dirent *e; d && (e = readdir(d));) {
        char sub[4096];
        struct stat st;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            (size_t)snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) >= sizeof sub)
            continue;
        if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(sub);
        else
            unlink(sub);
    }
    if (d)
        closedir(d);
    rmdir(path);
}

/* machine.conf: "key = value" lines, # comments. */
static int read_conf(lp_machine *m, char *err, size_t errlen)
{
    char path[4200], line[512];
    snprintf(path, sizeof path, "%s/machine.conf", m->dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return lp_fail(err, errlen, "%s: cannot open: %s (not a captured machine)", path,
                    strerror(errno));
    while (fgets(line, sizeof line, f)) {
        char key[32], value[256];
        if (line[0] == '#' || sscanf(line, " %31[a-z_] = %255[^\n]", key, value) != 2)
            continue;
        if (strcmp(key, "name") == 0)
            snprintf(m->name, sizeof m->name, "%s", value);
        else if (strcmp(key, "host") == 0)
            snprintf(m->host, sizeof m->host, "%s", value);
        else if (strcmp(key, "captured") == 0)
            snprintf(m->captured, sizeof m->captured, "%s", value);
        else if (strcmp(key, "description") == 0)
            snprintf(m->description, sizeof m->description, "%s", value);
        else if (strcmp(key, "ncpu") == 0)
            m->ncpu = (unsigned)strtoul(value, NULL, 10);
        else if (strcmp(key, "ncuda") == 0)
            m->ncuda = (unsigned)strtoul(value, NULL, 10);
        else if (strcmp(key, "cpu_impl") == 0)
            snprintf(m->cpu_impl, sizeof m->cpu_impl, "%s", value);
    }
    fclose(f);
    if (!m->name[0] || !m->host[0] || !m->ncpu)
        return lp_fail(err, errlen, "%s: needs name, host and ncpu", path);
    return 0;
}

/* The capture's directory and its machine.conf, and StarPU 1.3's model
 * version in it. */
static int find(lp_machine *m, const char *spec, const char *machines_dir, char *err,
                size_t errlen)
{
    memset(m, 0, sizeof *m);
    struct stat st;
    if (strchr(spec, '/') || (stat(spec, &st) == 0 && S_ISDIR(st.st_mode)))
        snprintf(m->dir, sizeof m->dir, "%s", spec);
    else
        snprintf(m->dir, sizeof m->dir, "%s/%s", machines_dir, spec);
    if (stat(m->dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        DIR *d = opendir(machines_dir);
        char known[512] = "";
        for (struct dirent *e; d && (e = readdir(d));)
            if (e->d_name[0] != '.') {
                size_t used = strlen(known);
                snprintf(known + used, sizeof known - used, "%s%s", used ? ", " : "",
                         e->d_name);
            }
        if (d)
            closedir(d);
        return lp_fail(err, errlen, "--machine %s: no such captured machine (known: %s)", spec,
                    known[0] ? known : "none");
    }
    if (read_conf(m, err, errlen) != 0)
        return -1;
    char models[4300];
    snprintf(models, sizeof models, "%s/" LP_CAPTURE_SAMPLING "/codelets/" LP_MODEL_VERSION_DIR,
             m->dir);
    if (stat(models, &st) != 0)
        return lp_fail(err, errlen, "--machine %s: no model of StarPU 1.3's version "
                    LP_MODEL_VERSION_DIR " in %s/" LP_CAPTURE_SAMPLING "/codelets (captured "
                    "with another StarPU?)", spec, m->dir);
    return 0;
}

int lp_machine_attach(lp_machine *m, const char *spec, const char *machines_dir, char *err,
                      size_t errlen)
{
    if (find(m, spec, machines_dir, err, errlen) != 0)
        return -1;
    const char *home = getenv("LP_SIM_HOME");
    if (!home || (size_t)snprintf(m->home, sizeof m->home, "%s", home) >= sizeof m->home)
        return lp_fail(err, errlen, "run lp-starpu-sim, which prepares the machine for this "
                    "program (LP_SIM_HOME is not set)");
    return 0;
}

int lp_machine_options_check(const lp_cli *c, char *err, size_t errlen)
{
    const char *refused = c->verify ? "--verify" : c->output ? "--output"
                          : c->calibrate ? "--calibrate" : c->trace ? "--trace"
                          : c->stream ? "--stream" : NULL;
    if (!c->machine)
        return lp_fail(err, errlen, "lp-starpu-sim replays a captured machine: give --machine "
                    "NAME|DIR (perfmodels/machines holds the names)");
    if (refused)
        return lp_fail(err, errlen, "%s: a simulated run computes nothing (each task takes its "
                    "model's time); run lp-starpu on a real machine for it", refused);
    if (c->mpi && c->nodes < 2)   /* the launcher adds --mpi to --nodes */
        return lp_fail(err, errlen, "--mpi: lp-starpu-sim simulates a cluster with --nodes N "
                    "(N ranks, one per simulated node)");
    return 0;
}

int lp_machine_open(lp_machine *m, const char *spec, const char *machines_dir, char *err,
                    size_t errlen)
{
    if (find(m, spec, machines_dir, err, errlen) != 0)
        return -1;
    char src[4300], dst[4300];
    snprintf(src, sizeof src, "%s/starpu-home", m->dir);
    if (lp_temp_dir("lp-starpu-sim", m->home, sizeof m->home) != 0)
        return lp_fail(err, errlen, "cannot make a temporary directory: %s", strerror(errno));
    m->owner = 1;
    if (copy_tree(src, m->home) != 0) {
        lp_machine_close(m);
        return lp_fail(err, errlen, "--machine %s: cannot copy %s", spec, src);
    }
    snprintf(dst, sizeof dst, "%u", m->ncpu);
    setenv("STARPU_HOME", m->home, 1);
    setenv("STARPU_HOSTNAME", m->host, 1);
    setenv("STARPU_NCPU", dst, 0);
    snprintf(dst, sizeof dst, "%u", m->ncuda);
    setenv("STARPU_NCUDA", dst, 0);
    setenv("STARPU_NOPENCL", "0", 0);
    unsetenv("STARPU_PERF_MODEL_DIR");   /* the capture's models, not the user's */
    setenv("LP_SIM_HOME", m->home, 1);
    return 0;
}

int lp_machine_cluster(const lp_machine *m, unsigned nodes, char *platform, char *hostfile,
                       size_t len, char *err, size_t errlen)
{
    if ((size_t)snprintf(platform, len, "%s/cluster.xml", m->home) >= len ||
        (size_t)snprintf(hostfile, len, "%s/hostfile", m->home) >= len)
        return lp_fail(err, errlen, "--nodes: the machine's copy has too long a path");
    FILE *p = fopen(platform, "w"), *h = fopen(hostfile, "w");
    int ok = p && h;
    /* starpu_smpirun drops these first two lines and the platform tags. */
    if (ok)
        ok = fprintf(p, "<?xml version='1.0'?>\n"
                     "<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n"
                     "<platform version=\"4.1\">\n"
                     "<zone id=\"cluster\" routing=\"Full\">\n"
                     "  <cluster id=\"nodes\" prefix=\"node\" suffix=\"\" radical=\"0-%u\" "
                     "speed=\"1Gf\" bw=\"%dGbps\" lat=\"%dus\"/>\n"
                     "</zone>\n</platform>\n", nodes - 1, LP_SIM_LINK_GBPS,
                     LP_SIM_LINK_LATENCY_US) > 0;
    for (unsigned i = 0; ok && i < nodes; i++)
        ok = fprintf(h, "node%u\n", i) > 0;
    if (p && fclose(p) != 0)
        ok = 0;
    if (h && fclose(h) != 0)
        ok = 0;
    return ok ? 0 : lp_fail(err, errlen, "--nodes: cannot write %s: %s", platform,
                            strerror(errno));
}

#define LP_RANK_STATUS_FILE "rank-status"

void lp_machine_rank_failed(int status)
{
    const char *home = getenv("LP_SIM_HOME");
    char path[4200];
    if (!home || (size_t)snprintf(path, sizeof path, "%s/" LP_RANK_STATUS_FILE, home) >=
                     sizeof path)
        return;
    FILE *f = fopen(path, "a");
    if (f) {
        fprintf(f, "%d\n", status);
        fclose(f);
    }
}

int lp_machine_ranks_status(const lp_machine *m)
{
    char path[4200];
    int worst = 0, status;
    snprintf(path, sizeof path, "%s/" LP_RANK_STATUS_FILE, m->home);
    FILE *f = fopen(path, "r");
    while (f && fscanf(f, "%d", &status) == 1)
        worst = status > worst ? status : worst;
    if (f)
        fclose(f);
    return worst;
}

lp_model_entry *lp_machine_models(const lp_machine *m, size_t *n)
{
    char path[4400], line[512];
    snprintf(path, sizeof path, "%s/.starpu/sampling/codelets/" LP_MODEL_VERSION_DIR
             "/lp_logprod.%s", m->home, m->host);
    FILE *f = fopen(path, "r");
    lp_model_entry *entries = NULL;
    size_t room = 0;
    *n = 0;
    while (f && fgets(line, sizeof line, f)) {
        unsigned fp;
        unsigned long long size, samples;
        double flops, mean, dev, sum, sum2;
        if (sscanf(line, "%x %llu %lf %lf %lf %lf %lf %llu", &fp, &size, &flops, &mean, &dev,
                   &sum, &sum2, &samples) != 8 || samples == 0)
            continue;
        int seen = 0;
        for (size_t i = 0; i < *n; i++)
            seen |= entries[i].footprint == fp;
        if (seen)
            continue;
        if (*n == room) {
            lp_model_entry *more = realloc(entries, (room = room ? 2 * room : 32) * sizeof *more);
            if (!more)
                break;
            entries = more;
        }
        entries[(*n)++] = (lp_model_entry){.footprint = fp, .bytes = size};
    }
    if (f)
        fclose(f);
    return entries;
}

void lp_machine_close(lp_machine *m)
{
    if (m->owner && m->home[0])
        remove_tree(m->home);
    m->home[0] = '\0';
}
