/* Reading and writing NumPy .npy files, the subset lp-starpu needs:
 * input is an N x 3 float64 array in C order (as numpy.save writes
 * np.column_stack((x, y, z))), output a 1-D float64 array of N values.
 * Every error names the file and what is wrong in err (never NULL-terminated
 * beyond errlen).  No StarPU here: the caller allocates the columns, so the
 * reader also works for fuzzing and for other programs. */
#ifndef LP_NPY_H
#define LP_NPY_H

#include <stddef.h>
#include <stdint.h>

typedef struct lp_npy_header {
    size_t rows;        /* first dimension */
    size_t cols;        /* second dimension (1 for a 1-D array) */
    int ndim;           /* 1 or 2 */
    size_t data_offset; /* bytes from the start of the file to the data */
} lp_npy_header;

/* Parses the magic string, version and header dict of an in-memory .npy
 * prefix (buf holds at least the whole header).  Accepts versions 1.0, 2.0
 * and 3.0, descr '<f8' (or '=f8'/'f8' on little-endian hosts), fortran_order
 * False, shape (N,) or (N, C).  Returns 0, or -1 with a message in err. */
int lp_npy_parse_header(const unsigned char *buf, size_t len,
                        lp_npy_header *h, char *err, size_t errlen);

/* Opens path and reads its header; checks that it is 2-D with 3 columns and
 * that the file is long enough for rows*3 float64 values (a truncated file
 * is an error).  Returns 0, or -1 with "PATH: what is wrong" in err. */
int lp_npy_read_header3(const char *path, lp_npy_header *h,
                        char *err, size_t errlen);

/* Reads the rows of an N x 3 file whose header was read by
 * lp_npy_read_header3 into three caller-allocated columns of h->rows
 * values each. Returns 0 or -1 with a message in err. */
int lp_npy_read_columns3(const char *path, const lp_npy_header *h,
                         double *x, double *y, double *z,
                         char *err, size_t errlen);

/* The same for rows first..first+count-1 only (each MPI rank reads its
 * own). */
int lp_npy_read_rows3(const char *path, const lp_npy_header *h, size_t first, size_t count,
                      double *x, double *y, double *z, char *err, size_t errlen);

/* Writes v[0..n) as a 1-D '<f8' .npy file, by file_out.h's rules: a
 * failure never leaves a partial or truncated path behind, a symbolic link
 * is written through, a device or FIFO written directly.  Returns 0 or -1
 * with a message in err. */
int lp_npy_write_vector(const char *path, const double *v, size_t n,
                        char *err, size_t errlen);

#endif
