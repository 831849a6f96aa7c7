/* The job's input and output files, opened and closed on every rank
 * together (job_io.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "job_io.h"

void lp_say(const lp_comm *c, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->size > 1)
        fprintf(stderr, "lp-starpu[rank %d]: %s\n", c->rank, msg);
    else
        fprintf(stderr, "lp-starpu: %s\n", msg);
}

int lp_job_input_open(const lp_comm *c, const char *spec, lp_npy_input *in)
{
    char err[700];
    int status = LP_OK;
    if (c->rank == 0 && lp_npy_input_open(in, spec, err, sizeof err) != 0) {
        lp_say(c, "%s", err);
        status = LP_ERR_RUNTIME;
    }
    if ((status = lp_comm_agree(c, status)) != LP_OK)
        return status;
    uint64_t rows = in->rows;
    c->ops->bcast(c, &rows, sizeof rows);
    if (c->rank != 0) {
        int unreadable = lp_npy_input_open(in, spec, err, sizeof err) != 0;
        if (!unreadable && in->rows != rows)
            snprintf(err, sizeof err, "%s: %llu rows here, %llu at rank 0: not the input rank 0 "
                     "reads", spec, (unsigned long long)in->rows, (unsigned long long)rows);
        if (unreadable || in->rows != rows) {
            lp_say(c, "%s (each rank reads its own rows: every rank must see rank 0's files)",
                   err);
            status = LP_ERR_RUNTIME;
        }
    }
    return lp_comm_agree(c, status);
}

int lp_job_output_open(const lp_comm *c, const char *path, size_t rows, lp_dtype dtype,
                       lp_npy_output *o)
{
    char err[700], tmp[4200] = "";
    int status = LP_OK;
    memset(o, 0, sizeof *o);
    o->fd = -1;
    if (c->rank == 0) {
        if (c->size > 1 && !lp_out_replaces(path)) {
            lp_say(c, "%s: not a regular file: under --mpi every rank writes its rows into it "
                   "at their offsets", path);
            status = LP_ERR_RUNTIME;
        } else if (lp_npy_output_open_as(o, path, rows, dtype, err, sizeof err) != 0) {
            lp_say(c, "%s", err);
            status = LP_ERR_RUNTIME;
        } else if (o->file.tmp) {
            snprintf(tmp, sizeof tmp, "%s", o->file.tmp);
        }
    }
    if ((status = lp_comm_agree(c, status)) != LP_OK)
        return status;
    c->ops->bcast(c, tmp, sizeof tmp);
    if (c->rank != 0 && lp_npy_output_attach(o, tmp, rows, dtype, err, sizeof err) != 0) {
        lp_say(c, "%s (every rank writes its own rows: the ranks must share a file system)", err);
        status = LP_ERR_RUNTIME;
    }
    if ((status = lp_comm_agree(c, status)) != LP_OK)
        lp_npy_output_abort(o);   /* rank 0 removes the temporary file */
    return status;
}

int lp_job_output_close(const lp_comm *c, const char *path, lp_npy_output *o, int status)
{
    char err[700];
    if (c->rank != 0) {   /* close first: rank 0 renames a complete file */
        if (status == LP_OK && lp_npy_output_commit(o, path, err, sizeof err) != 0) {
            lp_say(c, "%s", err);
            status = LP_ERR_RUNTIME;
        } else if (status != LP_OK) {
            lp_npy_output_abort(o);
        }
    }
    status = lp_comm_agree(c, status);
    if (c->rank == 0) {
        if (status == LP_OK && lp_npy_output_commit(o, path, err, sizeof err) != 0) {
            lp_say(c, "%s", err);
            status = LP_ERR_RUNTIME;
        } else if (status != LP_OK) {
            lp_npy_output_abort(o);
        }
    }
    return lp_comm_agree(c, status);
}

static int read_input(void *arg, size_t first, size_t count, lp_dtype dtype, void *x, void *y,
                      void *z, char *err, size_t errlen)
{
    return lp_npy_input_read_as(arg, first, count, dtype, x, y, z, err, errlen);
}

static int write_output(void *arg, size_t first, size_t count, lp_dtype dtype, const void *out,
                        char *err, size_t errlen)
{
    return lp_npy_output_write_as(arg, first, count, dtype, out, err, errlen);
}

lp_tile_io lp_job_tile_io(lp_npy_input *in, lp_generator *gen, lp_npy_output *o)
{
    lp_tile_io io = {0};
    io.read = in ? read_input : lp_generate_rows;
    io.write = o ? write_output : NULL;
    io.read_arg = in ? (void *)in : (void *)gen;
    io.write_arg = o;
    io.in_order = o && o->sequential;
    return io;
}
