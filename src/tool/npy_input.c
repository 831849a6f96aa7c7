/* The rows of an input, wherever its layout puts them: one N x 3 .npy file
 * in C order (rows contiguous) or Fortran order (columns contiguous), or
 * three 1-D files, float64 or float32, either byte order.  Any range of
 * rows is read at its offsets (pread), so any thread or rank reads the rows
 * it needs, and converted to float64 in host order. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lp_starpu_advanced.h"
#include "npy.h"
#include "tool.h"

#define CHUNK_BYTES (1u << 20)   /* per pread */

/* Opens path, reads and checks its header; fills h.  The file must be a
 * regular file holding all the data its header announces. */
static int open_npy(const char *path, lp_npy_header *h, int *fd, char *err, size_t errlen)
{
    char msg[300];
    /* O_NONBLOCK: opening a FIFO would otherwise wait for a writer,
     * forever; it is refused below, as is any file that is not regular. */
    *fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (*fd < 0)
        return lp_fail(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(*fd);
        *fd = -1;
        return lp_fail(err, errlen, "%s: not a regular file (rows are read at their offsets)", path);
    }
    unsigned char head[65536];
    ssize_t got = pread(*fd, head, sizeof head, 0);
    if (got < 0 || lp_npy_parse_header(head, (size_t)got, h, msg, sizeof msg) != 0) {
        close(*fd);
        *fd = -1;
        return lp_fail(err, errlen, "%s: %s", path, got < 0 ? strerror(errno) : msg);
    }
    uintmax_t need = (uintmax_t)h->rows * h->cols * (uintmax_t)h->elem, have = 0;
    if ((uintmax_t)st.st_size > h->data_offset)
        have = (uintmax_t)st.st_size - h->data_offset;
    if (have < need) {
        close(*fd);
        *fd = -1;
        return lp_fail(err, errlen, "%s: truncated: header says %zu rows (%ju bytes of data) but "
                    "the file holds %ju", path, h->rows, need, have);
    }
    return 0;
}

static void describe(lp_npy_input *in, const lp_npy_header *h, const char *layout)
{
    snprintf(in->layout, sizeof in->layout, "%s, float%d %s-endian", layout, h->elem * 8,
             h->big_endian ? "big" : "little");
}

/* One N x 3 file: each column a strided view of it. */
static int open_matrix(lp_npy_input *in, const char *path, char *err, size_t errlen)
{
    lp_npy_header h;
    int fd;
    if (open_npy(path, &h, &fd, err, errlen) != 0)
        return -1;
    if (h.ndim != 2 || h.cols != 3) {
        close(fd);
        return lp_fail(err, errlen, "%s: shape is not (N, 3) (or give three 1-D files: "
                    "--input x.npy,y.npy,z.npy)", path);
    }
    in->rows = h.rows;
    for (int c = 0; c < 3; c++) {
        lp_npy_column *col = &in->col[c];
        col->fd = c == 0 ? fd : -1;   /* one descriptor, closed once */
        col->elem = h.elem;
        col->big_endian = h.big_endian;
        col->stride = h.fortran ? (size_t)h.elem : 3 * (size_t)h.elem;
        col->offset = h.data_offset + (h.fortran ? (size_t)c * h.rows : (size_t)c) * h.elem;
    }
    in->shared_fd = fd;
    describe(in, &h, h.fortran ? "N x 3, Fortran order" : "N x 3, C order");
    return 0;
}

/* Three 1-D files of the same length. */
static int open_columns(lp_npy_input *in, const char *spec, char *err, size_t errlen)
{
    char paths[3][4096];
    const char *p = spec;
    for (int c = 0; c < 3; c++) {
        size_t n = strcspn(p, ",");
        if (n == 0 || n >= sizeof paths[c] || (c < 2 && p[n] != ',') || (c == 2 && p[n]))
            return lp_fail(err, errlen, "%s: expected one file, or three files x,y,z", spec);
        memcpy(paths[c], p, n);
        paths[c][n] = '\0';
        p += n + 1;
    }
    lp_npy_header h[3];
    for (int c = 0; c < 3; c++) {
        lp_npy_column *col = &in->col[c];
        if (open_npy(paths[c], &h[c], &col->fd, err, errlen) != 0)
            return -1;
        if (h[c].ndim != 1)
            return lp_fail(err, errlen, "%s: shape is not (N,): each of three files holds one "
                        "column", paths[c]);
        col->elem = h[c].elem;
        col->big_endian = h[c].big_endian;
        col->stride = (size_t)h[c].elem;
        col->offset = h[c].data_offset;
    }
    if (h[0].rows != h[1].rows || h[0].rows != h[2].rows)
        return lp_fail(err, errlen, "%s: the three files hold %zu, %zu and %zu rows", spec,
                    h[0].rows, h[1].rows, h[2].rows);
    in->rows = h[0].rows;
    in->shared_fd = -1;
    describe(in, &h[0], "three 1-D files");
    return 0;
}

int lp_npy_input_open(lp_npy_input *in, const char *spec, char *err, size_t errlen)
{
    memset(in, 0, sizeof *in);
    for (int c = 0; c < 3; c++)
        in->col[c].fd = -1;
    in->shared_fd = -1;
    snprintf(in->name, sizeof in->name, "%s", spec);
    int rc = strchr(spec, ',') ? open_columns(in, spec, err, errlen)
                               : open_matrix(in, spec, err, errlen);
    if (rc != 0)
        lp_npy_input_close(in);
    return rc;
}

void lp_npy_input_close(lp_npy_input *in)
{
    for (int c = 0; c < 3; c++)
        if (in->col[c].fd >= 0)
            close(in->col[c].fd);
    char name[sizeof in->name];
    memcpy(name, in->name, sizeof name);
    memset(in, 0, sizeof *in);
    memcpy(in->name, name, sizeof name);
    for (int c = 0; c < 3; c++)
        in->col[c].fd = -1;
    in->shared_fd = -1;
}

static int column_fd(const lp_npy_input *in, int c)
{
    return in->shared_fd >= 0 ? in->shared_fd : in->col[c].fd;
}

static double value(const unsigned char *p, int elem, int big)
{
    uint64_t u = 0;
    for (int i = 0; i < elem; i++)
        u = (u << 8) | p[big ? i : elem - 1 - i];
    if (elem == 8) {
        double d;
        memcpy(&d, &u, sizeof d);
        return d;
    }
    uint32_t w = (uint32_t)u;
    float f;
    memcpy(&f, &w, sizeof f);
    return f;
}

/* Values stored as the run stores them: the element type, and the host's
 * (little-endian) byte order. */
static int native(const lp_npy_column *c, lp_dtype dtype)
{
    return c->elem == (int)lp_dtype_size(dtype) && !c->big_endian &&
           __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
}

static void split_rows_f64(const unsigned char *buf, size_t n, double *x, double *y, double *z)
{
    const double *r = (const void *)buf;   /* 8-byte aligned: malloc'd */
    for (size_t i = 0; i < n; i++) {
        x[i] = r[3 * i];
        y[i] = r[3 * i + 1];
        z[i] = r[3 * i + 2];
    }
}

static void split_rows_f32(const unsigned char *buf, size_t n, float *x, float *y, float *z)
{
    const float *r = (const void *)buf;
    for (size_t i = 0; i < n; i++) {
        x[i] = r[3 * i];
        y[i] = r[3 * i + 1];
        z[i] = r[3 * i + 2];
    }
}

/* Reads len bytes at off, all of them or an error. */
static int read_at(int fd, unsigned char *buf, size_t len, uint64_t off, const char *what,
                   char *err, size_t errlen)
{
    for (size_t done = 0; done < len;) {
        ssize_t got = pread(fd, buf + done, len - done, (off_t)(off + done));
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return lp_fail(err, errlen, "%s: read error: %s", what, strerror(errno));
        if (got == 0)
            return lp_fail(err, errlen, "%s: truncated while reading (the file shrank?)", what);
        done += (size_t)got;
    }
    return 0;
}

int lp_npy_input_read(const lp_npy_input *in, size_t first, size_t count, double *x, double *y,
                      double *z, char *err, size_t errlen)
{
    return lp_npy_input_read_as(in, first, count, LP_FLOAT64, x, y, z, err, errlen);
}

int lp_npy_input_read_as(const lp_npy_input *in, size_t first, size_t count, lp_dtype dtype,
                         void *x, void *y, void *z, char *err, size_t errlen)
{
    if (first > in->rows || count > in->rows - first)
        return lp_fail(err, errlen, "%s: rows %zu to %zu are not in its %zu", in->name, first,
                    first + count, in->rows);
    unsigned char *buf = malloc(CHUNK_BYTES);
    if (!buf)
        return lp_fail(err, errlen, "out of memory");
    void *out[3] = {x, y, z};
    int rc = 0;
    const lp_npy_column *c0 = &in->col[0];
    if (native(c0, dtype) && c0->stride == (size_t)c0->elem && native(&in->col[1], dtype) &&
        native(&in->col[2], dtype) && in->col[1].stride == (size_t)c0->elem &&
        in->col[2].stride == (size_t)c0->elem) {
        /* Columns contiguous and already as the run stores them: read into
         * place, no copy. */
        for (int c = 0; c < 3 && rc == 0; c++)
            rc = read_at(column_fd(in, c), out[c], count * (size_t)c0->elem,
                         in->col[c].offset + (uint64_t)first * (size_t)c0->elem, in->name, err,
                         errlen);
    } else if (in->shared_fd >= 0 && c0->stride == 3 * (size_t)c0->elem && native(c0, dtype)) {
        /* C order, values as the run stores them: split the rows. */
        size_t row_bytes = c0->stride, per = CHUNK_BYTES / row_bytes;
        for (size_t done = 0; done < count && rc == 0;) {
            size_t n = count - done < per ? count - done : per;
            rc = read_at(in->shared_fd, buf, n * row_bytes,
                         c0->offset + (uint64_t)(first + done) * row_bytes, in->name, err, errlen);
            if (rc == 0 && dtype == LP_FLOAT64)
                split_rows_f64(buf, n, (double *)x + done, (double *)y + done,
                               (double *)z + done);
            else if (rc == 0)
                split_rows_f32(buf, n, (float *)x + done, (float *)y + done, (float *)z + done);
            done += n;
        }
    } else if (in->shared_fd >= 0 && c0->stride == 3 * (size_t)c0->elem) {
        /* C order: the rows' three values side by side, read once. */
        size_t row_bytes = c0->stride, per = CHUNK_BYTES / row_bytes;
        for (size_t done = 0; done < count && rc == 0;) {
            size_t n = count - done < per ? count - done : per;
            rc = read_at(in->shared_fd, buf, n * row_bytes,
                         c0->offset + (uint64_t)(first + done) * row_bytes, in->name, err, errlen);
            for (size_t i = 0; i < n && rc == 0; i++)
                for (int c = 0; c < 3; c++)
                    lp_set(out[c], dtype, done + i,
                          value(buf + i * row_bytes + (size_t)c * c0->elem, c0->elem,
                                c0->big_endian));
            done += n;
        }
    } else {
        /* Each column contiguous (Fortran order, or a file of its own). */
        for (int c = 0; c < 3 && rc == 0; c++) {
            const lp_npy_column *col = &in->col[c];
            size_t per = CHUNK_BYTES / col->stride;
            for (size_t done = 0; done < count && rc == 0;) {
                size_t n = count - done < per ? count - done : per;
                rc = read_at(column_fd(in, c), buf, n * col->stride,
                             col->offset + (uint64_t)(first + done) * col->stride, in->name, err,
                             errlen);
                for (size_t i = 0; i < n && rc == 0; i++)
                    lp_set(out[c], dtype, done + i,
                          value(buf + i * col->stride, col->elem, col->big_endian));
                done += n;
            }
        }
    }
    free(buf);
    return rc;
}
