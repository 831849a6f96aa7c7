/* Unit test for src/tool/npy.c: header parsing (accepted forms, each rejection,
 * a short mutation fuzz), N x 3 reading, 1-D writing, and a cross-check
 * against NumPy when python3 has it.  Exits non-zero on the first failure. */

#include "npy.h"

#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static char tmpdir[256];
static int checks;

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FAIL: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

#define CHECK(cond, ...) \
    do { checks++; if (!(cond)) die(__VA_ARGS__); } while (0)

static void path_in(char *out, size_t sz, const char *name)
{
    snprintf(out, sz, "%s/%s", tmpdir, name);
}

/* ---- building .npy bytes by hand, the way numpy.save does ---- */

/* magic + version + header length + dict, padded to 64 bytes with spaces
 * and a final '\n' when pad is set; returns the total length. */
static size_t build_header(unsigned char *out, size_t cap, int major,
                           const char *dict, int pad)
{
    size_t nlen = major == 1 ? 2 : 4, start = 8 + nlen, dl = strlen(dict);
    size_t total = pad ? (start + dl + 1 + 63) / 64 * 64 : start + dl;
    if (total > cap)
        die("build_header: buffer too small");
    memcpy(out, "\x93NUMPY", 6);
    out[6] = (unsigned char)major;
    out[7] = 0;
    size_t hlen = total - start;
    for (size_t i = 0; i < nlen; i++)
        out[8 + i] = (unsigned char)(hlen >> (8 * i));
    memcpy(out + start, dict, dl);
    if (pad) {
        memset(out + start + dl, ' ', total - start - dl);
        out[total - 1] = '\n';
    }
    return total;
}

static void put_le(unsigned char *p, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    for (int i = 0; i < 8; i++, u >>= 8)
        p[i] = (unsigned char)u;
}

static double get_le(const unsigned char *p)
{
    uint64_t u = 0;
    for (int i = 7; i >= 0; i--)
        u = u << 8 | p[i];
    double d;
    memcpy(&d, &u, 8);
    return d;
}

static void write_file(const char *path, const void *a, size_t na,
                       const void *b, size_t nb)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(a, 1, na, f) != na || (nb && fwrite(b, 1, nb, f) != nb) ||
        fclose(f) != 0)
        die("cannot write %s", path);
}

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open %s", path);
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            buf = realloc(buf, cap *= 2);
    }
    if (!buf)
        die("out of memory");
    fclose(f);
    *len = n;
    return buf;
}

/* An N x 3 file with row i = (i + 0.25, -i * 1.5, i / 3.0); extra bytes of
 * data are dropped (trunc) or junk is appended (extra). */
static double xv(size_t i) { return (double)i + 0.25; }
static double yv(size_t i) { return -(double)i * 1.5; }
static double zv(size_t i) { return (double)i / 3.0; }

static void write_n3(const char *path, const char *dict, size_t rows,
                     size_t trunc, size_t extra)
{
    unsigned char head[256];
    size_t hl = build_header(head, sizeof head, 1, dict, 1);
    size_t nb = rows * 24 + extra;
    unsigned char *data = malloc(nb ? nb : 1);
    for (size_t i = 0; i < rows; i++) {
        put_le(data + 24 * i, xv(i));
        put_le(data + 24 * i + 8, yv(i));
        put_le(data + 24 * i + 16, zv(i));
    }
    memset(data + rows * 24, 0xab, extra);
    write_file(path, head, hl, data, nb - trunc);
    free(data);
}

/* ---- header parsing ---- */

/* Parses an exact-size heap copy of buf, so ASan catches any read past len. */
static int parse_copy(const unsigned char *buf, size_t len, lp_npy_header *h,
                      char *err, size_t errlen)
{
    unsigned char *copy = malloc(len ? len : 1);
    memcpy(copy, buf, len);
    int rc = lp_npy_parse_header(copy, len, h, err, errlen);
    free(copy);
    return rc;
}

static void expect_parse(const unsigned char *buf, size_t len, size_t rows,
                         size_t cols, int ndim, const char *what)
{
    lp_npy_header h;
    char err[256] = "";
    int rc = parse_copy(buf, len, &h, err, sizeof err);
    CHECK(rc == 0, "%s: rejected: %s", what, err);
    CHECK(h.rows == rows && h.cols == cols && h.ndim == ndim,
          "%s: got rows=%zu cols=%zu ndim=%d", what, h.rows, h.cols, h.ndim);
    CHECK(h.data_offset == len, "%s: data_offset %zu != %zu", what,
          h.data_offset, len);
}

static void expect_reject(const unsigned char *buf, size_t len,
                          const char *needle, const char *what)
{
    lp_npy_header h;
    char err[256] = "";
    int rc = parse_copy(buf, len, &h, err, sizeof err);
    CHECK(rc == -1, "%s: accepted", what);
    CHECK(strstr(err, needle) != NULL, "%s: message '%s' lacks '%s'", what,
          err, needle);
}

static void accept_dict(const char *dict, int major, size_t rows, size_t cols,
                        int ndim)
{
    unsigned char buf[512];
    size_t n = build_header(buf, sizeof buf, major, dict, 1);
    expect_parse(buf, n, rows, cols, ndim, dict);
    n = build_header(buf, sizeof buf, major, dict, 0);
    expect_parse(buf, n, rows, cols, ndim, dict);
}

static void reject_dict(const char *dict, const char *needle)
{
    unsigned char buf[512];
    size_t n = build_header(buf, sizeof buf, 1, dict, 1);
    expect_reject(buf, n, needle, dict);
}

static void test_parse(void)
{
    printf("header parse: accepted forms\n");
    accept_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (10, 3), }",
                1, 10, 3, 2);
    accept_dict("{'descr':'<f8','fortran_order':False,'shape':(10,3)}",
                1, 10, 3, 2);
    accept_dict("{'shape': (10,), 'fortran_order': False, 'descr': '<f8'}",
                1, 10, 1, 1);
    accept_dict("{ 'fortran_order' : False ,\n\t'descr' : '<f8' , "
                "'shape' : ( 0 , 3 , ) , }", 1, 0, 3, 2);
    accept_dict("{\"descr\": \"<f8\", \"fortran_order\": False, "
                "\"shape\": (7, 3)}", 1, 7, 3, 2);
    accept_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (4L, 3L), }",
                1, 4, 3, 2);
    accept_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (5, 3), }",
                2, 5, 3, 2);
    accept_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (5, 3), }",
                3, 5, 3, 2);
    accept_dict("{'descr': '<f8', 'fortran_order': False, "
                "'shape': (18446744073709551615, 0), }", 1,
                SIZE_MAX, 0, 2);
    printf("header parse: dtype, byte order and order recorded\n");
    static const struct {
        const char *descr, *order;
        int elem, big, fortran;
    } kinds[] = {
        {"<f8", "False", 8, 0, 0}, {">f8", "False", 8, 1, 0}, {"<f4", "True", 4, 0, 1},
        {">f4", "True", 4, 1, 1},  {"<f4", "False", 4, 0, 0},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        char dict[128];
        unsigned char hb[256];
        lp_npy_header h;
        char err[128];
        snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': %s, 'shape': (9, 3), }",
                 kinds[k].descr, kinds[k].order);
        size_t hn = build_header(hb, sizeof hb, 1, dict, 1);
        CHECK(parse_copy(hb, hn, &h, err, sizeof err) == 0 && h.elem == kinds[k].elem &&
                  h.big_endian == kinds[k].big && h.fortran == kinds[k].fortran,
              "%s: elem %d big %d fortran %d (%s)", dict, h.elem, h.big_endian, h.fortran, err);
    }
    const uint16_t one = 1;
    if (*(const unsigned char *)&one == 1) {
        accept_dict("{'descr': '=f8', 'fortran_order': False, 'shape': (2,)}",
                    1, 2, 1, 1);
        accept_dict("{'descr': 'f8', 'fortran_order': False, 'shape': (2,)}",
                    1, 2, 1, 1);
    }

    printf("header parse: rejections\n");
    unsigned char buf[512];
    const char *good =
        "{'descr': '<f8', 'fortran_order': False, 'shape': (10, 3), }";
    size_t n = build_header(buf, sizeof buf, 1, good, 1);

    expect_reject(buf, 0, "bad magic", "empty buffer");
    expect_reject((const unsigned char *)"PK\3\4abcdefghijkl", 16,
                  "not a .npy file (bad magic)", "zip file");
    expect_reject(buf, 7, "truncated header", "7 bytes");
    expect_reject(buf, 9, "truncated header", "9 bytes");
    expect_reject(buf, n - 1, "truncated header", "one byte short");
    expect_reject(buf, 40, "truncated header", "40 bytes");
    buf[6] = 4;
    expect_reject(buf, n, "unsupported .npy version 4.0", "version 4.0");
    buf[6] = 1;
    buf[7] = 1;
    expect_reject(buf, n, "unsupported .npy version 1.1", "version 1.1");
    buf[7] = 0;
    n = build_header(buf, sizeof buf, 2, good, 1);
    buf[11] = 0x80;   /* 2 GiB header length in a 128-byte buffer */
    expect_reject(buf, n, "truncated header", "huge v2 header_len");

    reject_dict("{'descr': '<f2', 'fortran_order': False, 'shape': (10, 3), }",
                "dtype '<f2' is not float64 or float32");
    reject_dict("{'descr': '|f8', 'fortran_order': False, 'shape': (10, 3), }",
                "dtype '|f8'");
    reject_dict("{'descr': '<i8', 'fortran_order': False, 'shape': (10, 3), }",
                "dtype '<i8'");
    reject_dict("{'descr': '|O', 'fortran_order': False, 'shape': (10, 3), }",
                "dtype '|O'");
    reject_dict("{'descr': [('a', '<f8')], 'fortran_order': False, "
                "'shape': (10,), }", "structured");
    reject_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
                "0 dimensions");
    reject_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3, 4)}",
                "3 dimensions");
    reject_dict("{'fortran_order': False, 'shape': (10, 3), }",
                "no 'descr'");
    reject_dict("{'descr': '<f8', 'shape': (10, 3), }", "no 'fortran_order'");
    reject_dict("{'descr': '<f8', 'fortran_order': False, }", "no 'shape'");
    reject_dict("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, "
                "'shape': (1,)}", "duplicate key 'descr'");
    reject_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), "
                "'extra': 1}", "unexpected");
    reject_dict("{'descr': '<f8', 'fortran_order': False, "
                "'shape': (99999999999999999999999, 3)}", "too large");
    reject_dict("{'descr': '<f8', 'fortran_order': False, "
                "'shape': (2305843009213693952,)}", "too large");
    reject_dict("{'descr': '<f8', 'fortran_order': False, "
                "'shape': (768614336404564651, 3)}", "too large");
    reject_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (-1, 3)}",
                "malformed shape");
    reject_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (1 3)}",
                "malformed shape");
    reject_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 3",
                "malformed shape");
    reject_dict("{'descr': '<f8', 'fortran_order': Maybe, 'shape': (1,)}",
                "malformed fortran_order");
    reject_dict("{'descr': '<f8' 'fortran_order': False, 'shape': (1,)}",
                "malformed header dict");
    reject_dict("{'descr: '<f8', 'fortran_order': False, 'shape': (1,)",
                "malformed");
    reject_dict("['descr', '<f8']", "no dict");
    reject_dict("", "no dict");

    printf("header parse: small errlen, NULL err\n");
    n = build_header(buf, sizeof buf, 1,
                     "{'descr': '<i4', 'fortran_order': False, 'shape': (1,)}",
                     1);
    char small[8];
    memset(small, 'x', sizeof small);
    lp_npy_header h;
    CHECK(lp_npy_parse_header(buf, n, &h, small, sizeof small) == -1 &&
          memchr(small, '\0', sizeof small) != NULL &&
          strcmp(small, "dtype '") == 0, "small errlen: '%.8s'", small);
    CHECK(lp_npy_parse_header(buf, n, &h, NULL, 0) == -1, "NULL err");
    CHECK(lp_npy_parse_header(NULL, 0, &h, NULL, 0) == -1, "NULL buffer");
}

/* Random mutations of valid headers and random bytes; exact-size heap
 * buffers let ASan/valgrind see any read past len. */
static void test_fuzz(int iters)
{
    printf("header parse: %d random mutations\n", iters);
    const char *seeds[] = {
        "{'descr': '<f8', 'fortran_order': False, 'shape': (10, 3), }",
        "{'descr':'<f8','fortran_order':False,'shape':(18446744073709551615,)}",
        "{'shape': (2305843009213693951, 1), 'fortran_order': False, "
        "'descr': '=f8'}",
    };
    unsigned long long s = 0x9e3779b97f4a7c15ull;
    unsigned char base[512];
    int accepted = 0;
    for (int it = 0; it < iters; it++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        size_t n = build_header(base, sizeof base, 1 + (int)(s % 3),
                                seeds[(s >> 8) % 3], (s >> 12) & 1);
        unsigned nmut = 1 + (unsigned)((s >> 16) % 6);
        for (unsigned m = 0; m < nmut; m++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            size_t pos = (size_t)(s % n);
            const char alphabet[] = "(),:'\" 0123456789{}LTrueFalse\n\xff";
            base[pos] = (s >> 32) & 1 ? (unsigned char)(s >> 40)
                        : (unsigned char)alphabet[(s >> 40) % (sizeof alphabet - 1)];
        }
        size_t len = (s >> 48) & 1 ? (size_t)((s >> 50) % (n + 1)) : n;
        unsigned char *copy = malloc(len ? len : 1);
        memcpy(copy, base, len);
        lp_npy_header h;
        char err[64];
        if (lp_npy_parse_header(copy, len, &h, err, sizeof err) == 0) {
            accepted++;
            CHECK(h.data_offset <= len && (h.ndim == 1 || h.ndim == 2) &&
                  h.rows * h.cols <= SIZE_MAX / 8,
                  "fuzz: inconsistent header accepted");
        }
        free(copy);
    }
    printf("  (%d accepted, rest rejected, no crash)\n", accepted);
}

/* ---- reading inputs: every layout, dtype and byte order ---- */

static void expect_read_fail(const char *spec, const char *needle)
{
    lp_npy_input in;
    char err[512] = "";
    CHECK(lp_npy_input_open(&in, spec, err, sizeof err) == -1, "%s: accepted", spec);
    CHECK(strstr(err, needle) != NULL, "message '%s' lacks '%s'", err, needle);
    printf("  %s\n", err);
}

/* v as stored in a file of elem-byte values, read back as float64. */
static double stored(double v, int elem)
{
    return elem == 4 ? (double)(float)v : v;
}

/* Reads spec whole and in a few ranges; every row must be (xv, yv, zv) as
 * stored in elem-byte values. */
static void read_and_check(const char *spec, size_t rows, int elem)
{
    lp_npy_input in;
    char err[512] = "";
    CHECK(lp_npy_input_open(&in, spec, err, sizeof err) == 0, "open %s: %s", spec, err);
    CHECK(in.rows == rows, "%s: %zu rows, expected %zu", spec, in.rows, rows);
    double *x = malloc((rows + 1) * sizeof *x);
    double *y = malloc((rows + 1) * sizeof *y);
    double *z = malloc((rows + 1) * sizeof *z);
    size_t half = rows / 2, tail = rows - half;
    size_t ranges[][2] = {{0, rows}, {rows / 3, rows - rows / 3}, {half, tail < 7 ? tail : 7}};
    for (int r = 0; r < 3; r++) {
        size_t first = ranges[r][0], count = ranges[r][1];
        CHECK(lp_npy_input_read(&in, first, count, x, y, z, err, sizeof err) == 0,
              "read %s: %s", spec, err);
        for (size_t i = 0; i < count; i++)
            CHECK(x[i] == stored(xv(first + i), elem) && y[i] == stored(yv(first + i), elem) &&
                  z[i] == stored(zv(first + i), elem),
                  "%s row %zu: (%g, %g, %g)", spec, first + i, x[i], y[i], z[i]);
    }
    CHECK(lp_npy_input_read(&in, rows, 1, x, y, z, err, sizeof err) == -1,
          "%s: a row past the end was read", spec);
    lp_npy_input_close(&in);
    free(x);
    free(y);
    free(z);
}

/* The values of write_n3 in another layout: Fortran order (columns one
 * after the other), float32 (values exact in float32 by construction of
 * xv, yv and zv's first rows? no: stored as float, read back as that
 * float), big-endian. */
static void put_value(unsigned char *p, double v, int elem, int big)
{
    uint64_t u;
    if (elem == 8) {
        memcpy(&u, &v, 8);
    } else {
        float f = (float)v;
        uint32_t w;
        memcpy(&w, &f, 4);
        u = w;
    }
    for (int i = 0; i < elem; i++)
        p[big ? elem - 1 - i : i] = (unsigned char)(u >> (8 * i));
}

static void write_layout(const char *path, size_t rows, int fortran, int elem, int big)
{
    char dict[160];
    snprintf(dict, sizeof dict, "{'descr': '%c%c%d', 'fortran_order': %s, 'shape': (%zu, 3), }",
             big ? '>' : '<', 'f', elem, fortran ? "True" : "False", rows);
    unsigned char head[256];
    size_t hl = build_header(head, sizeof head, 1, dict, 1);
    unsigned char *data = malloc(rows * 3 * (size_t)elem + 1);
    for (size_t i = 0; i < rows; i++) {
        double v[3] = {xv(i), yv(i), zv(i)};
        for (int c = 0; c < 3; c++) {
            size_t at = fortran ? (size_t)c * rows + i : 3 * i + (size_t)c;
            put_value(data + at * (size_t)elem, v[c], elem, big);
        }
    }
    write_file(path, head, hl, data, rows * 3 * (size_t)elem);
    free(data);
}

static void write_column(const char *path, size_t rows, int c, int elem, int big)
{
    char dict[160];
    snprintf(dict, sizeof dict, "{'descr': '%c%c%d', 'fortran_order': False, 'shape': (%zu,), }",
             big ? '>' : '<', 'f', elem, rows);
    unsigned char head[256];
    size_t hl = build_header(head, sizeof head, 1, dict, 1);
    unsigned char *data = malloc(rows * (size_t)elem + 1);
    for (size_t i = 0; i < rows; i++)
        put_value(data + i * (size_t)elem, c == 0 ? xv(i) : c == 1 ? yv(i) : zv(i), elem, big);
    write_file(path, head, hl, data, rows * (size_t)elem);
    free(data);
}

static void test_read(void)
{
    char p[600];
    const char *d3 = "{'descr': '<f8', 'fortran_order': False, "
                     "'shape': (%zu, 3), }";
    char dict[128];

    printf("read: hand-built N x 3 files, de-interleaved, whole and in ranges\n");
    size_t sizes[] = { 0, 1, 7, 65536, 200003 };
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        snprintf(dict, sizeof dict, d3, sizes[k]);
        path_in(p, sizeof p, "good.npy");
        write_n3(p, dict, sizes[k], 0, 0);
        read_and_check(p, sizes[k], 8);
    }
    printf("read: extra bytes after the data are accepted\n");
    snprintf(dict, sizeof dict, d3, (size_t)10);
    path_in(p, sizeof p, "extra.npy");
    write_n3(p, dict, 10, 0, 13);
    read_and_check(p, 10, 8);

    printf("read: Fortran order, float32, big-endian, and their mixes\n");
    for (int fortran = 0; fortran < 2; fortran++)
        for (int elem = 4; elem <= 8; elem += 4)
            for (int big = 0; big < 2; big++) {
                path_in(p, sizeof p, "layout.npy");
                write_layout(p, 1001, fortran, elem, big);
                read_and_check(p, 1001, elem);
            }
    printf("read: three 1-D files, one per column, of any dtype\n");
    {
        char px[600], py[600], pz[600], spec[1900];
        path_in(px, sizeof px, "x.npy");
        path_in(py, sizeof py, "y.npy");
        path_in(pz, sizeof pz, "z.npy");
        write_column(px, 5000, 0, 4, 0);
        write_column(py, 5000, 1, 4, 1);
        write_column(pz, 5000, 2, 4, 1);
        snprintf(spec, sizeof spec, "%s,%s,%s", px, py, pz);
        read_and_check(spec, 5000, 4);
        write_column(pz, 4999, 2, 8, 0);
        expect_read_fail(spec, "the three files hold 5000, 5000 and 4999 rows");
        snprintf(spec, sizeof spec, "%s,%s", px, py);
        expect_read_fail(spec, "expected one file, or three files x,y,z");
        snprintf(spec, sizeof spec, "%s,%s,%s,", px, py, pz);
        expect_read_fail(spec, "expected one file, or three files x,y,z");
    }

    printf("read: rejections\n");
    path_in(p, sizeof p, "trunc.npy");
    write_n3(p, dict, 10, 140, 0);
    expect_read_fail(p, "truncated: header says 10 rows (240 bytes of data) "
                        "but the file holds 100");
    write_n3(p, dict, 10, 240, 0);
    expect_read_fail(p, "but the file holds 0");

    {   /* A file cut inside its header. */
        unsigned char head[256];
        size_t hl = build_header(head, sizeof head, 1, dict, 1);
        path_in(p, sizeof p, "cut.npy");
        write_file(p, head, hl / 2, NULL, 0);
        expect_read_fail(p, "truncated header");
        write_file(p, head, 3, NULL, 0);
        expect_read_fail(p, "bad magic");
        write_file(p, "", 0, NULL, 0);
        expect_read_fail(p, "bad magic");
    }

    /* Well-formed headers of files lp-starpu must refuse. */
    static const struct {
        const char *file, *dict, *message;
        size_t rows;
    } refused[] = {
        {"i8.npy", "{'descr': '<i8', 'fortran_order': False, 'shape': (10, 3), }",
         "dtype '<i8' is not float64 or float32", 10},
        {"n4.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (10, 4), }",
         "shape is not (N, 3)", 14},
        {"vec.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (10,), }",
         "shape is not (N, 3)", 4},
    };
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        path_in(p, sizeof p, refused[i].file);
        write_n3(p, refused[i].dict, refused[i].rows, 0, 0);
        expect_read_fail(p, refused[i].message);
    }

    path_in(p, sizeof p, "missing.npy");
    expect_read_fail(p, "cannot open: No such file or directory");
    expect_read_fail(tmpdir, "not a regular file");

    printf("read: file shrunk between opening and reading\n");
    {
        lp_npy_input in;
        char err[512];
        path_in(p, sizeof p, "shrink.npy");
        write_n3(p, dict, 10, 0, 0);
        CHECK(lp_npy_input_open(&in, p, err, sizeof err) == 0, "%s", err);
        write_n3(p, dict, 10, 30, 0);
        double x[10], y[10], z[10];
        CHECK(lp_npy_input_read(&in, 0, 10, x, y, z, err, sizeof err) == -1 &&
              strstr(err, "truncated") != NULL, "shrunk file: '%s'", err);
        printf("  %s\n", err);
        lp_npy_input_close(&in);
    }
}

/* ---- writing ---- */

static int count_temp_files(void)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    int n = 0;
    if (!d)
        die("opendir %s", tmpdir);
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".lp-starpu-tmp.") != NULL)
            n++;
    closedir(d);
    return n;
}

static double vec_value(size_t i, size_t n)
{
    return (double)i / 7.0 - 3.0 + (double)n;
}

static void check_vector_file(const char *path, const double *v, size_t n)
{
    size_t len;
    unsigned char *buf = read_file(path, &len);
    lp_npy_header h;
    char err[256];
    CHECK(lp_npy_parse_header(buf, len, &h, err, sizeof err) == 0,
          "written file: %s", err);
    CHECK(h.ndim == 1 && h.rows == n && h.cols == 1, "written shape");
    CHECK(buf[6] == 1 && buf[7] == 0, "written version %d.%d", buf[6], buf[7]);
    CHECK(h.data_offset % 64 == 0 && buf[h.data_offset - 1] == '\n',
          "header not padded to 64 with a final newline");
    char expect[128];
    int el = snprintf(expect, sizeof expect, "{'descr': '<f8', "
                      "'fortran_order': False, 'shape': (%zu,), }", n);
    CHECK(memcmp(buf + 10, expect, (size_t)el) == 0, "dict text differs");
    for (size_t i = 10 + (size_t)el; i < h.data_offset - 1; i++)
        CHECK(buf[i] == ' ', "padding is not spaces");
    CHECK(len == h.data_offset + 8 * n, "file length %zu, want %zu", len,
          h.data_offset + 8 * n);
    for (size_t i = 0; i < n; i++) {
        double d = get_le(buf + h.data_offset + 8 * i);
        CHECK(memcmp(&d, &v[i], 8) == 0, "value %zu not bit-exact", i);
    }
    free(buf);
}

static void test_write(void)
{
    char p[600], err[512];
    struct stat st;

    printf("write: round trip n = 0, 1, 1000 (bit-exact, incl. NaN, -0, inf)\n");
    size_t ns[] = { 0, 1, 1000 };
    for (size_t k = 0; k < 3; k++) {
        size_t n = ns[k];
        double *v = malloc((n + 1) * sizeof *v);
        for (size_t i = 0; i < n; i++)
            v[i] = vec_value(i, n);
        if (n >= 1000) {
            uint64_t payload = 0x7ff8000000012345ull;
            memcpy(&v[1], &payload, 8);
            v[2] = -0.0;
            v[3] = INFINITY;
            v[4] = -INFINITY;
            v[5] = 4.9406564584124654e-324;
        }
        char name[32];
        snprintf(name, sizeof name, "vec%zu.npy", n);
        path_in(p, sizeof p, name);
        CHECK(lp_npy_write_vector(p, v, n, err, sizeof err) == 0,
              "write_vector: %s", err);
        check_vector_file(p, v, n);
        free(v);
    }
    CHECK(count_temp_files() == 0, "temporary files left behind");

    printf("write: file mode follows the umask\n");
    mode_t old = umask(022);
    double one = 1.5;
    path_in(p, sizeof p, "mode.npy");
    CHECK(lp_npy_write_vector(p, &one, 1, err, sizeof err) == 0, "%s", err);
    CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0644,
          "mode %o with umask 022", (unsigned)(st.st_mode & 0777));
    umask(077);
    CHECK(lp_npy_write_vector(p, &one, 1, err, sizeof err) == 0, "%s", err);
    CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0644,
          "a replaced file's mode %o, expected its own 0644", (unsigned)(st.st_mode & 0777));
    path_in(p, sizeof p, "mode077.npy");
    CHECK(lp_npy_write_vector(p, &one, 1, err, sizeof err) == 0, "%s", err);
    CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0600,
          "mode %o with umask 077", (unsigned)(st.st_mode & 0777));
    umask(old);

    printf("write: replaces an existing file\n");
    path_in(p, sizeof p, "vec1000.npy");
    double three[3] = { 1.0, 2.0, 3.0 };
    CHECK(lp_npy_write_vector(p, three, 3, err, sizeof err) == 0, "%s", err);
    check_vector_file(p, three, 3);

    printf("write: nonexistent directory fails and leaves nothing\n");
    path_in(p, sizeof p, "nodir/out.npy");
    CHECK(lp_npy_write_vector(p, three, 3, err, sizeof err) == -1,
          "write into a missing directory succeeded");
    CHECK(strncmp(err, p, strlen(p)) == 0, "message '%s' lacks the path", err);
    printf("  %s\n", err);
    path_in(p, sizeof p, "nodir");
    CHECK(stat(p, &st) != 0, "nodir was created");

    printf("write: failing rename leaves the destination and no temp file\n");
    path_in(p, sizeof p, "adir");
    CHECK(mkdir(p, 0755) == 0, "mkdir adir");
    CHECK(lp_npy_write_vector(p, three, 3, err, sizeof err) == -1,
          "write over a directory succeeded");
    printf("  %s\n", err);
    CHECK(stat(p, &st) == 0 && S_ISDIR(st.st_mode), "adir was replaced");
    CHECK(count_temp_files() == 0, "temporary file left after failure");
    rmdir(p);
}

/* ---- cross-check with NumPy ---- */

/* Returns 0, or 77 (CTest's skip) when NumPy cannot be asked. */
static int test_numpy(void)
{
    if (system("python3 -c 'import numpy' >/dev/null 2>&1") != 0) {
        printf("SKIP: numpy cross-check: python3 has no numpy\n");
        return 77;
    }
    if (strchr(tmpdir, '\'') != NULL) {
        printf("SKIP: numpy cross-check: quote in temp dir name\n");
        return 77;
    }
    char p[600], cmd[2048], err[512];

    printf("numpy cross-check: np.save of a (5, 3) array read back\n");
    path_in(p, sizeof p, "np53.npy");
    snprintf(cmd, sizeof cmd, "python3 -c 'import numpy as np; "
             "np.save(\"%s\", np.arange(15.0).reshape(5, 3) * 0.5 + 0.25)'", p);
    CHECK(system(cmd) == 0, "python failed: %s", cmd);
    lp_npy_input in;
    CHECK(lp_npy_input_open(&in, p, err, sizeof err) == 0, "%s", err);
    CHECK(in.rows == 5, "numpy file shape");
    double x[5], y[5], z[5];
    CHECK(lp_npy_input_read(&in, 0, 5, x, y, z, err, sizeof err) == 0, "%s", err);
    lp_npy_input_close(&in);
    for (int i = 0; i < 5; i++)
        CHECK(x[i] == (3 * i) * 0.5 + 0.25 && y[i] == (3 * i + 1) * 0.5 + 0.25
              && z[i] == (3 * i + 2) * 0.5 + 0.25, "numpy row %d", i);

    /* Every layout np.save writes, against the values NumPy itself holds:
     * each file's x, y, z against a float64 C-order copy NumPy made of the
     * same array. */
    static const char *const layouts[] = {
        "a", "np.asfortranarray(a)", "a.astype(np.float32)", "np.asfortranarray(a.astype('>f4'))",
        "a.astype('>f8')", "np.asfortranarray(a).astype('<f4', order='F')",
    };
    printf("numpy cross-check: every layout np.save writes, against NumPy's values\n");
    for (size_t k = 0; k < sizeof layouts / sizeof *layouts; k++) {
        char ref[600];
        path_in(p, sizeof p, "nplayout.npy");
        path_in(ref, sizeof ref, "npref.npy");
        snprintf(cmd, sizeof cmd, "python3 -c \"import numpy as np; "
                 "a = np.random.default_rng(3).uniform(0.5, 1.5, (2001, 3)); b = %s; "
                 "np.save('%s', b); np.save('%s', np.ascontiguousarray(b, dtype='<f8'))\"",
                 layouts[k], p, ref);
        CHECK(system(cmd) == 0, "python failed: %s", cmd);
        lp_npy_input got, want;
        double *g = malloc(3 * 2001 * sizeof *g), *w = malloc(3 * 2001 * sizeof *w);
        CHECK(lp_npy_input_open(&got, p, err, sizeof err) == 0, "%s: %s", layouts[k], err);
        CHECK(lp_npy_input_open(&want, ref, err, sizeof err) == 0, "%s", err);
        CHECK(lp_npy_input_read(&got, 0, 2001, g, g + 2001, g + 4002, err, sizeof err) == 0,
              "%s: %s", layouts[k], err);
        CHECK(lp_npy_input_read(&want, 0, 2001, w, w + 2001, w + 4002, err, sizeof err) == 0,
              "%s", err);
        CHECK(memcmp(g, w, 3 * 2001 * sizeof *g) == 0, "%s (%s): values differ from NumPy's",
              layouts[k], got.layout);
        printf("  %-48s %s\n", layouts[k], got.layout);
        lp_npy_input_close(&got);
        lp_npy_input_close(&want);
        free(g);
        free(w);
    }

    printf("numpy cross-check: np.load of write_vector output, and byte-identical "
           "to np.save, n = 0, 1000\n");
    size_t ns[] = { 0, 1000 };
    for (int k = 0; k < 2; k++) {
        size_t n = ns[k];
        double *v = malloc((n + 1) * sizeof *v);
        for (size_t i = 0; i < n; i++)
            v[i] = vec_value(i, n);
        path_in(p, sizeof p, "fornp.npy");
        CHECK(lp_npy_write_vector(p, v, n, err, sizeof err) == 0, "%s", err);
        free(v);
        /* Same IEEE operations in NumPy, so equality must be exact. */
        snprintf(cmd, sizeof cmd, "python3 -c 'import numpy as np, sys; "
                 "a = np.load(\"%s\"); "
                 "e = np.arange(%zu) / 7.0 - 3.0 + %zu.0; "
                 "sys.exit(0 if a.dtype == np.float64 and a.shape == (%zu,) "
                 "and np.array_equal(a, e) else 1)'", p, n, n, n);
        CHECK(system(cmd) == 0, "numpy disagrees with write_vector (n=%zu)",
              n);
        /* np.save of the same values must give the very same bytes. */
        char q[600];
        path_in(q, sizeof q, "bynp.npy");
        snprintf(cmd, sizeof cmd, "python3 -c 'import numpy as np; "
                 "np.save(\"%s\", np.arange(%zu) / 7.0 - 3.0 + %zu.0)'",
                 q, n, n);
        CHECK(system(cmd) == 0, "python failed: %s", cmd);
        size_t la, lb;
        unsigned char *a = read_file(p, &la), *b = read_file(q, &lb);
        CHECK(la == lb && memcmp(a, b, la) == 0,
              "write_vector output differs from np.save (n=%zu)", n);
        free(a);
        free(b);
    }
    return 0;
}

static void cleanup(void)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    char p[600];
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        path_in(p, sizeof p, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(tmpdir);
}

/* test_npy: the reader and writer on their own; test_npy numpy: against
 * NumPy itself (a separate test, skipped where python3 has no numpy). */
int main(int argc, char **argv)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/test_npy.XXXXXX",
             base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir))
        die("mkdtemp %s", tmpdir);
    printf("temp dir %s\n", tmpdir);
    atexit(cleanup);

    if (argc == 2 && strcmp(argv[1], "numpy") == 0) {
        int rc = test_numpy();
        if (rc == 0)
            printf("OK: %d checks passed\n", checks);
        return rc;
    }
    test_parse();
    test_fuzz(getenv("TEST_NPY_FUZZ") ? atoi(getenv("TEST_NPY_FUZZ")) : 50000);
    test_read();
    test_write();
    printf("OK: %d checks passed\n", checks);
    return 0;
}
