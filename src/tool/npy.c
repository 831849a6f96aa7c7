/* Reading and writing the .npy subset described in npy.h.  Values are
 * decoded and encoded byte by byte as little-endian, so the code is correct
 * on any host; on little-endian hosts the compiler turns it into plain
 * loads and stores. */

#include "npy.h"
#include "file_out.h"
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define MAGIC "\x93NUMPY"
#define MAGIC_LEN 6

static int host_is_le(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

static void put_le_f8(unsigned char *p, double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    for (int i = 0; i < 8; i++, u >>= 8)
        p[i] = (unsigned char)(u & 0xff);
}

static void put_le_f4(unsigned char *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    for (int i = 0; i < 4; i++, u >>= 8)
        p[i] = (unsigned char)(u & 0xff);
}

/* ---- header parsing: a bounded cursor over the Python dict literal ---- */

typedef struct {
    const unsigned char *p, *end;
} cursor;

static void skip_ws(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
                             *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static int accept(cursor *c, char ch)
{
    skip_ws(c);
    if (c->p < c->end && *c->p == (unsigned char)ch) {
        c->p++;
        return 1;
    }
    return 0;
}

static int accept_word(cursor *c, const char *w)
{
    size_t n = strlen(w);
    skip_ws(c);
    if ((size_t)(c->end - c->p) >= n && memcmp(c->p, w, n) == 0) {
        c->p += n;
        return 1;
    }
    return 0;
}

/* Reads a quoted string into out (truncated to outsz - 1, non-printable
 * bytes replaced so that messages stay readable).  Returns its full length
 * or -1 if there is no string here. */
static long parse_string(cursor *c, char *out, size_t outsz)
{
    skip_ws(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
        return -1;
    unsigned char q = *c->p++;
    const unsigned char *s = c->p;
    while (c->p < c->end && *c->p != q)
        c->p++;
    if (c->p >= c->end)
        return -1;
    size_t n = (size_t)(c->p - s), k = n < outsz - 1 ? n : outsz - 1;
    for (size_t i = 0; i < k; i++)
        out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
    out[k] = '\0';
    c->p++;
    return n > LONG_MAX ? LONG_MAX : (long)n;
}

/* Python int literal (optionally with Python 2's 'L' suffix). */
static int parse_size(cursor *c, size_t *v, int *overflow)
{
    skip_ws(c);
    if (c->p >= c->end || *c->p < '0' || *c->p > '9')
        return -1;
    size_t x = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        unsigned d = (unsigned)(*c->p++ - '0');
        if (x > (SIZE_MAX - d) / 10)
            *overflow = 1;
        else
            x = x * 10 + d;
    }
    if (c->p < c->end && *c->p == 'L')
        c->p++;
    *v = x;
    return 0;
}

static void format_shape(char *out, size_t outsz, int ndim, const size_t *d)
{
    if (ndim == 1)
        snprintf(out, outsz, "(%zu,)", d[0]);
    else
        snprintf(out, outsz, "(%zu, %zu)", d[0], d[1]);
}

/* Magic and version: where the dict starts and how long it is. */
static int parse_preamble(const unsigned char *buf, size_t len,
                          size_t *start, size_t *hlen,
                          char *err, size_t errlen)
{
    if (len < MAGIC_LEN || memcmp(buf, MAGIC, MAGIC_LEN) != 0)
        return lp_fail(err, errlen, "not a .npy file (bad magic)");
    if (len < 8)
        return lp_fail(err, errlen, "truncated header");
    unsigned major = buf[6], minor = buf[7];
    if (minor != 0 || major < 1 || major > 3)
        return lp_fail(err, errlen, "unsupported .npy version %u.%u",
                    major, minor);
    /* 1.0 has a 2-byte header length, 2.0 and 3.0 a 4-byte one. */
    size_t nlen = major == 1 ? 2 : 4;
    if (len < 8 + nlen)
        return lp_fail(err, errlen, "truncated header");
    size_t h = 0;
    for (size_t i = nlen; i-- > 0;)
        h = (h << 8) | buf[8 + i];
    *start = 8 + nlen;
    *hlen = h;
    return 0;
}

int lp_npy_parse_header(const unsigned char *buf, size_t len,
                        lp_npy_header *h, char *err, size_t errlen)
{
    size_t start = 0, hlen = 0;
    if (!buf)
        len = 0;
    if (parse_preamble(buf, len, &start, &hlen, err, errlen) != 0)
        return -1;
    if (hlen > len - start)
        return lp_fail(err, errlen, "truncated header");

    cursor c = { buf + start, buf + start + hlen };
    char descr[32] = "", key[32];
    int have_descr = 0, have_fortran = 0, have_shape = 0, fortran = 0;
    int overflow = 0;
    size_t ndim = 0, dims[2] = { 0, 0 };

    if (!accept(&c, '{'))
        return lp_fail(err, errlen, "malformed header (no dict)");
    while (!accept(&c, '}')) {
        long klen = parse_string(&c, key, sizeof key);
        if (klen < 0 || !accept(&c, ':'))
            return lp_fail(err, errlen, "malformed header dict");
        if (klen == 5 && strcmp(key, "descr") == 0 && !have_descr) {
            if (parse_string(&c, descr, sizeof descr) < 0)
                return lp_fail(err, errlen, "dtype is not a simple type "
                            "(structured arrays are not supported)");
            have_descr = 1;
        } else if (klen == 13 && strcmp(key, "fortran_order") == 0 &&
                   !have_fortran) {
            if (accept_word(&c, "True"))
                fortran = 1;
            else if (!accept_word(&c, "False"))
                return lp_fail(err, errlen, "malformed fortran_order");
            have_fortran = 1;
        } else if (klen == 5 && strcmp(key, "shape") == 0 && !have_shape) {
            if (!accept(&c, '('))
                return lp_fail(err, errlen, "malformed shape");
            while (!accept(&c, ')')) {
                size_t v;
                if (parse_size(&c, &v, &overflow) != 0)
                    return lp_fail(err, errlen, "malformed shape");
                if (ndim < 2)
                    dims[ndim] = v;
                ndim++;
                if (accept(&c, ')'))
                    break;
                if (!accept(&c, ','))
                    return lp_fail(err, errlen, "malformed shape");
            }
            have_shape = 1;
        } else {
            return lp_fail(err, errlen, "unexpected or duplicate key '%s' "
                        "in header", key);
        }
        if (!accept(&c, ',')) {
            if (!accept(&c, '}'))
                return lp_fail(err, errlen, "malformed header dict");
            break;
        }
    }

    if (!have_descr)
        return lp_fail(err, errlen, "header has no 'descr'");
    if (!have_fortran)
        return lp_fail(err, errlen, "header has no 'fortran_order'");
    if (!have_shape)
        return lp_fail(err, errlen, "header has no 'shape'");

    /* float64 or float32, either byte order; '=' and '' mean the host's. */
    const char *type = descr;
    int big = !host_is_le();
    if (*type == '<' || *type == '>' || *type == '=') {
        if (*type != '=')
            big = *type == '>';
        type++;
    }
    int elem = strcmp(type, "f8") == 0 ? 8 : strcmp(type, "f4") == 0 ? 4 : 0;
    if (!elem)
        return lp_fail(err, errlen, "dtype '%s' is not float64 or float32 ('<f8', '>f8', '<f4', "
                    "'>f4')", descr);
    if (ndim == 0 || ndim > 2)
        return lp_fail(err, errlen, "shape has %zu dimensions; only 1 or 2 "
                    "are supported", ndim);
    if (overflow)
        return lp_fail(err, errlen, "shape is too large");
    size_t rows = dims[0], cols = ndim == 2 ? dims[1] : 1;
    if (cols != 0 && rows > SIZE_MAX / 8 / cols) {
        char s[64];
        format_shape(s, sizeof s, (int)ndim, dims);
        return lp_fail(err, errlen, "shape %s is too large", s);
    }
    if (rows * cols * 8 > SIZE_MAX - (start + hlen))
        return lp_fail(err, errlen, "shape is too large");

    h->rows = rows;
    h->cols = cols;
    h->ndim = (int)ndim;
    h->data_offset = start + hlen;
    h->elem = elem;
    h->big_endian = big;
    h->fortran = fortran && ndim == 2;   /* a 1-D array is both orders */
    return 0;
}

/* ---- writing ---- */

/* The header of a 1-D '<f8' (or '<f4') array of n values into head (128
 * bytes); returns its length.  NumPy pads the dict with spaces and a final
 * newline so that the data starts at a multiple of 64 bytes. */
static size_t vector_header(unsigned char *head, size_t n, lp_dtype dtype)
{
    int dl = snprintf((char *)head + 10, 118, "{'descr': '<f%d', 'fortran_order': False, "
                      "'shape': (%zu,), }", dtype == LP_FLOAT32 ? 4 : 8, n);
    size_t total = (10 + (size_t)dl + 1 + 63) / 64 * 64;
    memset(head + 10 + dl, ' ', total - 10 - (size_t)dl);
    head[total - 1] = '\n';
    memcpy(head, MAGIC, MAGIC_LEN);
    head[6] = 1;
    head[7] = 0;
    head[8] = (unsigned char)((total - 10) & 0xff);
    head[9] = (unsigned char)((total - 10) >> 8);
    return total;
}

/* len bytes at off (a regular file), or next (anything else). */
static int write_all(lp_npy_output *o, const unsigned char *buf, size_t len, uint64_t off)
{
    for (size_t done = 0; done < len;) {
        ssize_t put = o->sequential ? write(o->fd, buf + done, len - done)
                                    : pwrite(o->fd, buf + done, len - done, (off_t)(off + done));
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return -1;
        done += (size_t)put;
    }
    return 0;
}

int lp_npy_output_open(lp_npy_output *o, const char *path, size_t rows, char *err, size_t errlen)
{
    return lp_npy_output_open_as(o, path, rows, LP_FLOAT64, err, errlen);
}

int lp_npy_output_open_as(lp_npy_output *o, const char *path, size_t rows, lp_dtype dtype,
                          char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->dtype = dtype;
    const uint64_t elem = dtype == LP_FLOAT32 ? 4 : 8;
    if (rows > (SIZE_MAX - 128) / 8)
        return lp_fail(err, errlen, "%s: too many values", path);
    if (lp_out_open(&o->file, path, err, errlen) != 0)
        return -1;
    o->fd = fileno(o->file.f);
    o->rows = rows;
    o->sequential = !o->file.tmp;   /* a device or a FIFO: in order */
    unsigned char head[128];
    o->data_offset = vector_header(head, rows, dtype);
    if (write_all(o, head, (size_t)o->data_offset, 0) != 0 ||
        (!o->sequential && ftruncate(o->fd, (off_t)(o->data_offset + elem * rows)) != 0)) {
        int e = errno;
        lp_out_abort(&o->file);
        return lp_fail(err, errlen, "%s: cannot write: %s", path, strerror(e));
    }
    return 0;
}

int lp_npy_output_attach(lp_npy_output *o, const char *tmp, size_t rows, lp_dtype dtype,
                         char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->dtype = dtype;
    o->fd = open(tmp, O_WRONLY | O_CLOEXEC);
    if (o->fd < 0)
        return lp_fail(err, errlen, "%s: cannot open rank 0's output file: %s", tmp,
                    strerror(errno));
    o->rows = rows;
    unsigned char head[128];
    o->data_offset = vector_header(head, rows, dtype);
    return 0;
}

int lp_npy_output_write_as(lp_npy_output *o, size_t first, size_t count, lp_dtype dtype,
                           const void *v, char *err, size_t errlen)
{
    if (dtype != o->dtype)   /* (npy.c stands alone: no lp_dtype_name here) */
        return lp_fail(err, errlen, "cannot write %s values into a %s file",
                    dtype == LP_FLOAT32 ? "float32" : "float64",
                    o->dtype == LP_FLOAT32 ? "float32" : "float64");
    const size_t elem = dtype == LP_FLOAT32 ? 4 : 8;
    if (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) {   /* the file's order: no copy */
        if (write_all(o, v, elem * count, o->data_offset + elem * (uint64_t)first) != 0)
            return lp_fail(err, errlen, "cannot write: %s", strerror(errno));
        return 0;
    }
    unsigned char buf[8 * 4096];
    for (size_t i = 0; i < count;) {
        size_t k = count - i < 4096 ? count - i : 4096;
        for (size_t j = 0; j < k; j++) {
            if (dtype == LP_FLOAT32)
                put_le_f4(buf + 4 * j, ((const float *)v)[i + j]);
            else
                put_le_f8(buf + 8 * j, ((const double *)v)[i + j]);
        }
        if (write_all(o, buf, elem * k, o->data_offset + elem * (uint64_t)(first + i)) != 0)
            return lp_fail(err, errlen, "cannot write: %s", strerror(errno));
        i += k;
    }
    return 0;
}

int lp_npy_output_write(lp_npy_output *o, size_t first, size_t count, const double *v,
                        char *err, size_t errlen)
{
    return lp_npy_output_write_as(o, first, count, LP_FLOAT64, v, err, errlen);
}

int lp_npy_output_commit(lp_npy_output *o, const char *path, char *err, size_t errlen)
{
    if (!o->file.f) {   /* attached: rank 0 commits */
        int rc = close(o->fd);
        o->fd = -1;
        return rc == 0 ? 0 : lp_fail(err, errlen, "%s: cannot close: %s", path, strerror(errno));
    }
    return lp_out_commit(&o->file, path, err, errlen);
}

void lp_npy_output_abort(lp_npy_output *o)
{
    if (o->file.f)
        lp_out_abort(&o->file);
    else if (o->fd >= 0)
        close(o->fd);
    o->fd = -1;
}

int lp_npy_write_vector(const char *path, const double *v, size_t n,
                        char *err, size_t errlen)
{
    lp_npy_output o;
    char msg[300];
    if (lp_npy_output_open(&o, path, n, err, errlen) != 0)
        return -1;
    if (lp_npy_output_write(&o, 0, n, v, msg, sizeof msg) != 0) {
        lp_npy_output_abort(&o);
        return lp_fail(err, errlen, "%s: %s", path, msg);
    }
    return lp_npy_output_commit(&o, path, err, errlen);
}
