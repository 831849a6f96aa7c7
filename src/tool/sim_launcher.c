/* lp-starpu-sim: replays a captured machine in StarPU's SimGrid simulation.
 *
 * StarPU built with SimGrid owns main(): it loads the platform of
 * STARPU_HOME's capture before any line of the application runs.  So this
 * launcher, which links the real StarPU and starts none, checks the
 * command line, copies the capture (machine.c) and sets the environment,
 * then runs lp-starpu-sim-run (the tool built on the simulated StarPU,
 * beside it) with the same arguments, and removes the copy once it ends.
 * Its exit status is the runner's.
 *
 * With --nodes N it runs a simulated cluster instead: StarPU's
 * starpu_smpirun starts N ranks of lp-starpu-sim-mpi-run (the tool on
 * StarPU-MPI over SimGrid's MPI) with --mpi, each rank on its own copy
 * of the machine, the nodes on the network lp_machine_cluster writes. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "machine.h"

/* StarPU's script that starts the ranks of a simulated cluster (CMake
 * gives the one the bootstrap built). */
#ifndef LP_STARPU_SMPIRUN
#define LP_STARPU_SMPIRUN "starpu_smpirun"
#endif


/* name (lp-starpu-sim-run, lp-starpu-sim-mpi-run) in this program's
 * directory. */
static int runner_path(const char *name, char *path, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", path, len - 1);
    if (n <= 0)
        return -1;
    path[n] = '\0';
    char *slash = strrchr(path, '/');
    if (!slash || (size_t)(slash - path) + strlen(name) + 2 > len)
        return -1;
    sprintf(slash, "/%s", name);
    return 0;
}

/* The settings StarPU's platform writer puts in a capture: bandwidths and
 * latencies as measured, no TCP model on top. */
static const char *const capture_network[] = {
    "--cfg=network/model:LV08",          "--cfg=network/TCP-gamma:-1",
    "--cfg=network/latency-factor:1",    "--cfg=network/bandwidth-factor:1",
    "--cfg=network/crosstraffic:0",      "--cfg=network/weight-S:0",
    NULL,
};

/* The command that runs the simulation: the runner itself, or for --nodes
 * starpu_smpirun with the cluster's files and N ranks of the MPI runner.
 * NULL, with one line in err, when the parts are missing. */
static char **command(int argc, char **argv, const lp_cli *c, const lp_machine *m,
                      char *runner, size_t len, char *err, size_t errlen)
{
    static char platform[4400], hostfile[4400], np[16];
    const char *name = c->nodes > 1 ? "lp-starpu-sim-mpi-run" : "lp-starpu-sim-run";
    if (runner_path(name, runner, len) != 0 || access(runner, X_OK) != 0) {
        snprintf(err, errlen, "cannot find %s beside lp-starpu-sim%s", name,
                 c->nodes > 1 ? " (built where SimGrid's smpicc and StarPU-MPI over it are: "
                                "docs/simulation.md)" : "");
        return NULL;
    }
    char **args = calloc((size_t)argc + 20, sizeof *args);
    if (!args) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    int n = 0;
    if (c->nodes > 1) {
        if (access(LP_STARPU_SMPIRUN, X_OK) != 0) {
            snprintf(err, errlen, "--nodes: cannot run %s", LP_STARPU_SMPIRUN);
            free(args);
            return NULL;
        }
        if (lp_machine_cluster(m, c->nodes, platform, hostfile, sizeof platform, err,
                               errlen) != 0) {
            free(args);
            return NULL;
        }
        snprintf(np, sizeof np, "%u", c->nodes);
        args[n++] = LP_STARPU_SMPIRUN;
        args[n++] = "-platform";
        args[n++] = platform;
        args[n++] = "-hostfile";
        args[n++] = hostfile;
        args[n++] = "-np";
        args[n++] = np;
    }
    args[n++] = runner;
    for (int i = 1; i < argc; i++)
        args[n++] = argv[i];
    if (c->nodes > 1 && !c->mpi)
        args[n++] = "--mpi";
    /* The network model of the capture's platform file, whose settings
     * starpu_smpirun leaves out: SimGrid's MPI model would scale the
     * latency of every copy on the node's buses too (about 11x, seen:
     * 2.7 ms runs taking 6.1 ms). */
    if (c->nodes > 1)
        for (int i = 0; capture_network[i]; i++)
            args[n++] = (char *)capture_network[i];
    /* SimGrid's own notes (a platform file of an older version, its
     * configuration) off: SimGrid takes --log= out of argv before the
     * runner's main sees it. */
    args[n++] = "--log=root.thres:critical";
    return args;
}

int main(int argc, char **argv)
{
    lp_cli c;
    char err[600], runner[PATH_MAX];
    if (lp_cli_parse(argc, argv, &c, err, sizeof err) != 0) {
        fprintf(stderr, "lp-starpu: %s\n", err);
        return LP_ERR_USAGE;
    }
    if (c.help) {
        lp_cli_usage(stdout);
        return LP_OK;
    }
    if (c.version && !c.machine) {   /* StarPU's own versions come from the runner */
        printf("lp-starpu-sim %s\n(StarPU's version and what it was built with: "
               "lp-starpu-sim --version --machine NAME)\n", LP_VERSION);
        return LP_OK;
    }
    lp_machine m;
    if (lp_machine_options_check(&c, err, sizeof err) != 0 ||
        lp_machine_open(&m, c.machine, LP_MACHINES_DIR, err, sizeof err) != 0) {
        fprintf(stderr, "lp-starpu: %s\n", err);
        return LP_ERR_USAGE;
    }
    char **args = command(argc, argv, &c, &m, runner, sizeof runner, err, sizeof err);
    if (!args) {
        fprintf(stderr, "lp-starpu: %s\n", err);
        lp_machine_close(&m);
        return LP_ERR_RUNTIME;
    }
    /* The runner takes Ctrl-C and SIGTERM (the terminal signals both
     * processes): this one waits for it, to remove the copy after it. */
    void (*int_was)(int) = signal(SIGINT, SIG_IGN), (*term_was)(int) = signal(SIGTERM, SIG_IGN);
    pid_t pid = fork();
    if (pid == 0) {   /* as this one found them: a signal ignored by its caller stays so */
        signal(SIGINT, int_was);
        signal(SIGTERM, term_was);
        execv(args[0], args);
        fprintf(stderr, "lp-starpu: %s: %s\n", args[0], strerror(errno));
        _exit(LP_ERR_RUNTIME);
    }
    int status = 0;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    int ranks = c.nodes > 1 ? lp_machine_ranks_status(&m) : 0;
    lp_machine_close(&m);
    free(args);
    if (pid < 0) {
        fprintf(stderr, "lp-starpu: cannot start %s: %s\n", runner, strerror(errno));
        return LP_ERR_RUNTIME;
    }
    status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return status ? status : ranks;
}
