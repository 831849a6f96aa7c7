/* Reading and writing the .npy subset described in npy.h.  Values are
 * decoded and encoded byte by byte as little-endian, so the code is correct
 * on any host; on little-endian hosts the compiler turns it into plain
 * loads and stores. */

#include "npy.h"
#include "file_out.h"

#include <errno.h>
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
#define MAX_HEADER (1u << 20)   /* NumPy itself refuses headers over 10000 */
#define CHUNK_ROWS 65536        /* rows per fread: 1.5 MiB, cache friendly */

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int host_is_le(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

static double get_le_f8(const unsigned char *p)
{
    uint64_t u = 0;
    for (int i = 7; i >= 0; i--)
        u = (u << 8) | p[i];
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static void put_le_f8(unsigned char *p, double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    for (int i = 0; i < 8; i++, u >>= 8)
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
        return fail(err, errlen, "not a .npy file (bad magic)");
    if (len < 8)
        return fail(err, errlen, "truncated header");
    unsigned major = buf[6], minor = buf[7];
    if (minor != 0 || major < 1 || major > 3)
        return fail(err, errlen, "unsupported .npy version %u.%u",
                    major, minor);
    /* 1.0 has a 2-byte header length, 2.0 and 3.0 a 4-byte one. */
    size_t nlen = major == 1 ? 2 : 4;
    if (len < 8 + nlen)
        return fail(err, errlen, "truncated header");
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
    size_t start, hlen;
    if (!buf)
        len = 0;
    if (parse_preamble(buf, len, &start, &hlen, err, errlen) != 0)
        return -1;
    if (hlen > len - start)
        return fail(err, errlen, "truncated header");

    cursor c = { buf + start, buf + start + hlen };
    char descr[32] = "", key[32];
    int have_descr = 0, have_fortran = 0, have_shape = 0, fortran = 0;
    int overflow = 0;
    size_t ndim = 0, dims[2] = { 0, 0 };

    if (!accept(&c, '{'))
        return fail(err, errlen, "malformed header (no dict)");
    while (!accept(&c, '}')) {
        long klen = parse_string(&c, key, sizeof key);
        if (klen < 0 || !accept(&c, ':'))
            return fail(err, errlen, "malformed header dict");
        if (klen == 5 && strcmp(key, "descr") == 0 && !have_descr) {
            if (parse_string(&c, descr, sizeof descr) < 0)
                return fail(err, errlen, "dtype is not a simple type "
                            "(structured arrays are not supported)");
            have_descr = 1;
        } else if (klen == 13 && strcmp(key, "fortran_order") == 0 &&
                   !have_fortran) {
            if (accept_word(&c, "True"))
                fortran = 1;
            else if (!accept_word(&c, "False"))
                return fail(err, errlen, "malformed fortran_order");
            have_fortran = 1;
        } else if (klen == 5 && strcmp(key, "shape") == 0 && !have_shape) {
            if (!accept(&c, '('))
                return fail(err, errlen, "malformed shape");
            while (!accept(&c, ')')) {
                size_t v;
                if (parse_size(&c, &v, &overflow) != 0)
                    return fail(err, errlen, "malformed shape");
                if (ndim < 2)
                    dims[ndim] = v;
                ndim++;
                if (accept(&c, ')'))
                    break;
                if (!accept(&c, ','))
                    return fail(err, errlen, "malformed shape");
            }
            have_shape = 1;
        } else {
            return fail(err, errlen, "unexpected or duplicate key '%s' "
                        "in header", key);
        }
        if (!accept(&c, ',')) {
            if (!accept(&c, '}'))
                return fail(err, errlen, "malformed header dict");
            break;
        }
    }

    if (!have_descr)
        return fail(err, errlen, "header has no 'descr'");
    if (!have_fortran)
        return fail(err, errlen, "header has no 'fortran_order'");
    if (!have_shape)
        return fail(err, errlen, "header has no 'shape'");

    /* '=' and '' mean native order, which is '<' only on little-endian. */
    int le = host_is_le();
    if (!(strcmp(descr, "<f8") == 0 ||
          (le && (strcmp(descr, "=f8") == 0 || strcmp(descr, "f8") == 0))))
        return fail(err, errlen, "dtype '%s' is not float64 ('<f8')", descr);
    if (fortran)
        return fail(err, errlen,
                    "Fortran order is not supported; save with C order");
    if (ndim == 0 || ndim > 2)
        return fail(err, errlen, "shape has %zu dimensions; only 1 or 2 "
                    "are supported", ndim);
    if (overflow)
        return fail(err, errlen, "shape is too large");
    size_t rows = dims[0], cols = ndim == 2 ? dims[1] : 1;
    if (cols != 0 && rows > SIZE_MAX / 8 / cols) {
        char s[64];
        format_shape(s, sizeof s, (int)ndim, dims);
        return fail(err, errlen, "shape %s is too large", s);
    }
    if (rows * cols * 8 > SIZE_MAX - (start + hlen))
        return fail(err, errlen, "shape is too large");

    h->rows = rows;
    h->cols = cols;
    h->ndim = (int)ndim;
    h->data_offset = start + hlen;
    return 0;
}

/* ---- reading ---- */

/* Reads the whole header of an open file into a heap buffer and parses
 * it.  msg gets the unprefixed message. */
static int read_header_fp(FILE *f, lp_npy_header *h, char *msg, size_t msz)
{
    unsigned char pre[12];
    size_t got = fread(pre, 1, sizeof pre, f), start, hlen;
    if (got < sizeof pre && ferror(f))
        return fail(msg, msz, "read error: %s", strerror(errno));
    if (parse_preamble(pre, got, &start, &hlen, msg, msz) != 0)
        return -1;
    if (hlen > MAX_HEADER)
        return fail(msg, msz, "header is too large (%zu bytes)", hlen);

    size_t total = start + hlen;
    unsigned char *buf = malloc(total);
    if (!buf)
        return fail(msg, msz, "out of memory");
    size_t have = got < total ? got : total;
    memcpy(buf, pre, have);
    if (have < total)
        have += fread(buf + have, 1, total - have, f);
    int rc;
    if (have < total && ferror(f))
        rc = fail(msg, msz, "read error: %s", strerror(errno));
    else
        rc = lp_npy_parse_header(buf, have, h, msg, msz);
    free(buf);
    return rc;
}

int lp_npy_read_header3(const char *path, lp_npy_header *h,
                        char *err, size_t errlen)
{
    char msg[256];
    lp_npy_header hd;
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(err, errlen, "%s: cannot open: %s", path,
                    strerror(errno));
    if (read_header_fp(f, &hd, msg, sizeof msg) != 0) {
        fclose(f);
        return fail(err, errlen, "%s: %s", path, msg);
    }
    if (hd.ndim != 2 || hd.cols != 3) {
        size_t d[2] = { hd.rows, hd.cols };
        fclose(f);
        format_shape(msg, sizeof msg, hd.ndim, d);
        return fail(err, errlen, "%s: shape %s is not (N, 3)", path, msg);
    }
    /* Only a regular file has a size to check; for anything else a short
     * read in lp_npy_read_columns3 reports the truncation. */
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
        uintmax_t need = (uintmax_t)hd.rows * 24, have = 0;
        if (st.st_size > 0 && (uintmax_t)st.st_size > hd.data_offset)
            have = (uintmax_t)st.st_size - hd.data_offset;
        if (have < need) {
            fclose(f);
            return fail(err, errlen, "%s: truncated: header says %zu rows "
                        "(%ju bytes of data) but the file holds %ju",
                        path, hd.rows, need, have);
        }
    }
    fclose(f);
    *h = hd;
    return 0;
}

int lp_npy_read_rows3(const char *path, const lp_npy_header *h, size_t first, size_t count,
                      double *x, double *y, double *z, char *err, size_t errlen)
{
    if (h->ndim != 2 || h->cols != 3 || h->rows > SIZE_MAX / 24 || first > h->rows ||
        count > h->rows - first || h->data_offset > LONG_MAX - 24 * h->rows)
        return fail(err, errlen, "%s: rows %zu to %zu are not in its N x 3 array", path, first,
                    first + count);
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(err, errlen, "%s: cannot open: %s", path,
                    strerror(errno));
    if (fseek(f, (long)(h->data_offset + 24 * first), SEEK_SET) != 0) {
        int e = errno;
        fclose(f);
        return fail(err, errlen, "%s: cannot seek to data: %s", path,
                    strerror(e));
    }
    size_t chunk = count < CHUNK_ROWS ? count : CHUNK_ROWS;
    unsigned char *buf = malloc(chunk ? chunk * 24 : 1);
    if (!buf) {
        fclose(f);
        return fail(err, errlen, "%s: out of memory", path);
    }
    int rc = 0;
    for (size_t done = 0; done < count;) {
        size_t want = count - done < chunk ? count - done : chunk;
        size_t got = fread(buf, 24, want, f);
        if (got != want) {
            if (ferror(f))
                rc = fail(err, errlen, "%s: read error: %s", path,
                          strerror(errno));
            else
                rc = fail(err, errlen, "%s: truncated: expected %zu rows, "
                          "found %zu", path, h->rows, first + done + got);
            break;
        }
        for (size_t i = 0; i < got; i++) {
            const unsigned char *r = buf + 24 * i;
            x[done + i] = get_le_f8(r);
            y[done + i] = get_le_f8(r + 8);
            z[done + i] = get_le_f8(r + 16);
        }
        done += got;
    }
    free(buf);
    fclose(f);
    return rc;
}

int lp_npy_read_columns3(const char *path, const lp_npy_header *h,
                         double *x, double *y, double *z,
                         char *err, size_t errlen)
{
    return lp_npy_read_rows3(path, h, 0, h->rows, x, y, z, err, errlen);
}

/* ---- writing ---- */

int lp_npy_write_vector(const char *path, const double *v, size_t n,
                        char *err, size_t errlen)
{
    if (n > (SIZE_MAX - 128) / 8)
        return fail(err, errlen, "%s: too many values", path);

    /* NumPy pads the dict with spaces and a final newline so that the data
     * starts at a multiple of 64 bytes. */
    unsigned char head[128];
    int dl = snprintf((char *)head + 10, sizeof head - 10,
                      "{'descr': '<f8', 'fortran_order': False, "
                      "'shape': (%zu,), }", n);
    size_t total = (10 + (size_t)dl + 1 + 63) / 64 * 64;
    memset(head + 10 + dl, ' ', total - 10 - (size_t)dl);
    head[total - 1] = '\n';
    memcpy(head, MAGIC, MAGIC_LEN);
    head[6] = 1;
    head[7] = 0;
    head[8] = (unsigned char)((total - 10) & 0xff);
    head[9] = (unsigned char)((total - 10) >> 8);

    lp_out_file o;
    if (lp_out_open(&o, path, err, errlen) != 0)
        return -1;
    int ok = fwrite(head, 1, total, o.f) == total;
    if (host_is_le()) {
        ok = ok && (n == 0 || fwrite(v, 8, n, o.f) == n);
    } else {
        unsigned char buf[8 * 4096];
        for (size_t i = 0; ok && i < n;) {
            size_t k = n - i < 4096 ? n - i : 4096;
            for (size_t j = 0; j < k; j++)
                put_le_f8(buf + 8 * j, v[i + j]);
            ok = fwrite(buf, 8, k, o.f) == k;
            i += k;
        }
    }
    if (!ok) {
        int e = errno;
        lp_out_abort(&o);
        return fail(err, errlen, "%s: cannot write: %s", path, strerror(e));
    }
    return lp_out_commit(&o, path, err, errlen);
}
