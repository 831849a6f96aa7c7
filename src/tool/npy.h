/* Reading and writing NumPy .npy files, the subset lp-starpu needs:
 * input is an N x 3 array (as numpy.save writes np.column_stack((x, y, z)),
 * or in Fortran order) or three 1-D arrays, float64 or float32; output a
 * 1-D float64 or float32 array of N values.
 * Every error names the file and what is wrong in err (never NULL-terminated
 * beyond errlen).  No StarPU here: the caller allocates the columns, so the
 * reader also works for fuzzing and for other programs. */
#ifndef LP_NPY_H
#define LP_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "file_out.h"
#include "lp_starpu.h"   /* lp_dtype */

typedef struct lp_npy_header {
    size_t rows;        /* first dimension */
    size_t cols;        /* second dimension (1 for a 1-D array) */
    int ndim;           /* 1 or 2 */
    size_t data_offset; /* bytes from the start of the file to the data */
    int elem;           /* bytes per value: 8 (float64) or 4 (float32) */
    int big_endian;     /* the values' byte order */
    int fortran;        /* 2-D in Fortran order: columns contiguous */
} lp_npy_header;

/* Parses the magic string, version and header dict of an in-memory .npy
 * prefix (buf holds at least the whole header).  Accepts versions 1.0, 2.0
 * and 3.0, descr float64 or float32 in either byte order ('<f8', '>f8',
 * '=f8', 'f8', and the same with f4), either fortran_order, shape (N,) or
 * (N, C).  Returns 0, or -1 with a message in err. */
int lp_npy_parse_header(const unsigned char *buf, size_t len,
                        lp_npy_header *h, char *err, size_t errlen);

/* Where one input column's values are in its file. */
typedef struct lp_npy_column {
    int fd;               /* -1 where the input's shared_fd holds it */
    uint64_t offset;      /* of row 0's value */
    size_t stride;        /* bytes from one row's value to the next */
    int elem, big_endian;
} lp_npy_column;

/* An input of N rows of x, y, z: one N x 3 file, C order or Fortran order,
 * or three 1-D files ("x.npy,y.npy,z.npy"), float64 or float32, either
 * byte order.  Regular files only (rows are read at their offsets). */
typedef struct lp_npy_input {
    char name[4096];      /* as given */
    char layout[64];      /* "N x 3, Fortran order, float32 little-endian" */
    size_t rows;
    lp_npy_column col[3];
    int shared_fd;        /* one N x 3 file: its descriptor, else -1 */
} lp_npy_input;

/* Opens the input spec (FILE or X,Y,Z) and checks it: headers, shapes,
 * dtypes, that the files hold all their rows.  Returns 0, or -1 with
 * "PATH: what is wrong" in err. */
int lp_npy_input_open(lp_npy_input *in, const char *spec, char *err, size_t errlen);

/* Rows first..first+count-1 into x, y, z as float64 in host order.  Safe
 * from several threads at once.  Returns 0, or -1 with a message in err. */
int lp_npy_input_read(const lp_npy_input *in, size_t first, size_t count, double *x, double *y,
                      double *z, char *err, size_t errlen);
/* The same into columns of dtype (float64 values rounded to float32). */
int lp_npy_input_read_as(const lp_npy_input *in, size_t first, size_t count, lp_dtype dtype,
                         void *x, void *y, void *z, char *err, size_t errlen);

void lp_npy_input_close(lp_npy_input *in);

/* A 1-D float64 .npy file of `rows` values written range by range, by
 * file_out.h's rules: into a temporary file renamed over the path at
 * commit (any range in any order, from any thread; other ranks attach to
 * the same temporary file), or, for a device or FIFO, directly and in
 * order. */
typedef struct lp_npy_output {
    lp_out_file file;      /* where it was opened (rank 0) */
    int fd;
    uint64_t data_offset;
    size_t rows;
    int sequential;        /* not a regular file: ranges come in order */
    lp_dtype dtype;        /* of the file's values ('<f8' or '<f4') */
} lp_npy_output;

int lp_npy_output_open(lp_npy_output *o, const char *path, size_t rows, char *err,
                       size_t errlen);
int lp_npy_output_open_as(lp_npy_output *o, const char *path, size_t rows, lp_dtype dtype,
                          char *err, size_t errlen);
/* Another process (an MPI rank) writing into the file rank 0 opened: its
 * temporary file, o->file.tmp there. */
int lp_npy_output_attach(lp_npy_output *o, const char *tmp, size_t rows, lp_dtype dtype,
                         char *err, size_t errlen);
int lp_npy_output_write(lp_npy_output *o, size_t first, size_t count, const double *v,
                        char *err, size_t errlen);
/* v: count values of dtype, which is o's. */
int lp_npy_output_write_as(lp_npy_output *o, size_t first, size_t count, lp_dtype dtype,
                           const void *v, char *err, size_t errlen);
/* Rank 0: synced and renamed over path; an attached rank: closed. */
int lp_npy_output_commit(lp_npy_output *o, const char *path, char *err, size_t errlen);
/* Closed, the temporary file removed, path untouched. */
void lp_npy_output_abort(lp_npy_output *o);

/* Writes v[0..n) as a 1-D '<f8' .npy file, by file_out.h's rules: a
 * failure never leaves a partial or truncated path behind, a symbolic link
 * is written through, a device or FIFO written directly.  Returns 0 or -1
 * with a message in err. */
int lp_npy_write_vector(const char *path, const double *v, size_t n,
                        char *err, size_t errlen);

#endif
