/* libFuzzer harness: lp_npy_parse_header (src/tool/npy.c) on arbitrary bytes.
 * Besides the sanitizers' checks, a header it accepts must describe data
 * that fits: offset within the buffer, 1 or 2 dimensions, no overflow. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lp_npy_header h;
    char err[256];
    memset(&h, 0, sizeof h);
    memset(err, 'X', sizeof err);   /* no NUL: an unwritten message shows */
    if (lp_npy_parse_header(data, size, &h, err, sizeof err) != 0) {
        if (err[0] == '\0' || err[0] == 'X' || memchr(err, '\0', sizeof err) == NULL)
            abort();   /* a refusal says why, in a terminated string */
        /* A tiny message buffer is truncated and terminated, not overrun. */
        char small[4];
        memset(small, 'X', sizeof small);
        lp_npy_parse_header(data, size, &h, small, sizeof small);
        if (memchr(small, '\0', sizeof small) == NULL)
            abort();
        return 0;
    }
    int ok = h.data_offset <= size && (h.ndim == 1 || h.ndim == 2) &&
             (h.ndim == 2 || h.cols == 1) &&
             (h.cols == 0 || h.rows <= SIZE_MAX / 8 / h.cols) &&
             h.rows * h.cols * 8 <= SIZE_MAX - h.data_offset;
    if (!ok) {
        fprintf(stderr, "accepted an impossible header: rows %zu cols %zu ndim %d offset %zu "
                "of %zu\n", h.rows, h.cols, h.ndim, h.data_offset, size);
        abort();
    }
    return 0;
}
