/* lp-starpu-sim: replays a captured machine in StarPU's SimGrid simulation.
 *
 * StarPU built with SimGrid owns main(): it loads the platform of
 * STARPU_HOME's capture before any line of the application runs.  So this
 * launcher, which links the real StarPU and starts none, checks the
 * command line, copies the capture (machine.c) and sets the environment,
 * then runs lp-starpu-sim-run (the tool built on the simulated StarPU,
 * beside it) with the same arguments, and removes the copy once it ends.
 * Its exit status is the runner's. */
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


/* lp-starpu-sim-run in this program's directory. */
static int runner_path(char *path, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", path, len - 1);
    if (n <= 0)
        return -1;
    path[n] = '\0';
    char *slash = strrchr(path, '/');
    if (!slash || (size_t)(slash - path) + sizeof "/lp-starpu-sim-run" > len)
        return -1;
    strcpy(slash, "/lp-starpu-sim-run");
    return 0;
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
    lp_machine m;
    if (lp_machine_options_check(&c, err, sizeof err) != 0 ||
        lp_machine_open(&m, c.machine, LP_MACHINES_DIR, err, sizeof err) != 0) {
        fprintf(stderr, "lp-starpu: %s\n", err);
        return LP_ERR_USAGE;
    }
    if (runner_path(runner, sizeof runner) != 0 || access(runner, X_OK) != 0) {
        fprintf(stderr, "lp-starpu: cannot find lp-starpu-sim-run beside lp-starpu-sim\n");
        lp_machine_close(&m);
        return LP_ERR_RUNTIME;
    }
    /* The runner takes Ctrl-C and SIGTERM (the terminal signals both
     * processes): this one waits for it, to remove the copy after it. */
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    /* SimGrid's own notes (a platform file of an older version, its
     * configuration) off: SimGrid takes --log= out of argv before the
     * runner's main sees it. */
    char **args = calloc((size_t)argc + 2, sizeof *args);
    if (!args) {
        lp_machine_close(&m);
        return LP_ERR_RUNTIME;
    }
    memcpy(args, argv, (size_t)argc * sizeof *args);
    args[argc] = "--log=root.thres:critical";
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        execv(runner, args);
        fprintf(stderr, "lp-starpu: %s: %s\n", runner, strerror(errno));
        _exit(LP_ERR_RUNTIME);
    }
    int status = 0;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    lp_machine_close(&m);
    free(args);
    if (pid < 0) {
        fprintf(stderr, "lp-starpu: cannot start %s: %s\n", runner, strerror(errno));
        return LP_ERR_RUNTIME;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
