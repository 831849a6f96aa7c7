/* A captured machine for lp-starpu-sim (--machine NAME|DIR): the files a
 * real run's calibration wrote (bus bandwidth and latency, the platform
 * StarPU derived from them, the codelet's history), and machine.conf,
 * which says what the machine was.  StarPU + SimGrid replays them. */
#ifndef LP_MACHINE_H
#define LP_MACHINE_H

#include <stddef.h>
#include <stdint.h>

/* Where the captured machines are (perfmodels/machines of the source tree;
 * CMake gives its absolute path). */
#ifndef LP_MACHINES_DIR
#define LP_MACHINES_DIR "perfmodels/machines"
#endif

typedef struct lp_machine {
    char name[256];         /* machine.conf's name */
    char host[256];         /* the host name in the capture's file names */
    char captured[256];     /* when, and from which run */
    char description[256];
    unsigned ncpu, ncuda;   /* the workers the real runs had */
    char cpu_impl[256];     /* the CPU code its model has alone, if only one */
    char dir[4096];         /* the capture */
    char home[4096];        /* its copy: STARPU_HOME while this process runs */
    int owner;              /* made the copy (lp_machine_open): removes it */
} lp_machine;

/* NAME (a directory of machines_dir) or DIR: reads machine.conf, copies
 * the capture into a temporary directory (StarPU may write beside its
 * models; the capture stays as committed) and points StarPU at it:
 * STARPU_HOME, STARPU_HOSTNAME, and STARPU_NCPU, STARPU_NCUDA and
 * STARPU_NOPENCL=0 unless the user set them.  0, or -1 with one line in
 * err. */
int lp_machine_open(lp_machine *m, const char *spec, const char *machines_dir, char *err,
                    size_t errlen);

/* In the process lp_machine_open prepared the environment for (StarPU
 * with SimGrid reads it before main): the machine's description, and its
 * copy from LP_SIM_HOME, which the opener removes.  0, or -1 with one line. */
int lp_machine_attach(lp_machine *m, const char *spec, const char *machines_dir, char *err,
                      size_t errlen);

/* lp-starpu-sim's options: --machine given, and nothing that needs results
 * or real hardware (--verify, --output, --calibrate, --trace, --stream);
 * --mpi only beside --nodes (the launcher adds it).  0, or -1 with one
 * line in err. */
struct lp_cli;
int lp_machine_options_check(const struct lp_cli *c, char *err, size_t errlen);

/* One history entry of the capture's model: a tile's footprint and its
 * data's size in bytes. */
typedef struct lp_model_entry {
    uint32_t footprint;
    unsigned long long bytes;
} lp_model_entry;

/* The entries of the capture's history that have samples, each footprint
 * once, in an array for the caller to free (NULL when there are none, or
 * memory ran out), their number in *n. */
lp_model_entry *lp_machine_models(const lp_machine *m, size_t *n);

/* The network of a simulated cluster (--nodes): each node on its own link
 * to one switch, at InfiniBand HDR's 200 Gb/s and about a microsecond.
 * No capture measured one; docs/simulation.md says what it changes. */
#define LP_SIM_LINK_GBPS 200
#define LP_SIM_LINK_LATENCY_US 1

/* For lp-starpu-sim --nodes: a SimGrid platform of that many hosts on the
 * network above, and a hostfile naming them, in the copy's directory;
 * their paths in platform and hostfile (each len bytes).  StarPU's
 * starpu_smpirun adds each rank's copy of the machine beside them.  0, or
 * -1 with one line in err. */
int lp_machine_cluster(const lp_machine *m, unsigned nodes, char *platform, char *hostfile,
                       size_t len, char *err, size_t errlen);

/* The exit status of a simulated cluster's ranks.  SimGrid's smpirun
 * answers a failed rank with a status and two lines of its own on
 * standard output, which would mix with the report: so a rank that fails
 * records its status in the copy instead and returns 0, and the launcher
 * reads the worst one back (0 when every rank succeeded). */
void lp_machine_rank_failed(int status);
int lp_machine_ranks_status(const lp_machine *m);

/* Removes the copy. */
void lp_machine_close(lp_machine *m);

#endif
