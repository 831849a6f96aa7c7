/* The GPU limit for lp-starpu: pinned host memory, the rows cut into
 * chunks, and each chunk's copy in, kernel and copy out queued on one of
 * several streams so that transfers in both directions and kernels overlap
 * (the PCIe round trip is the bound).  Same seed data, best and median of K
 * after a warm-up, data fresh in host RAM each time.
 *
 *   baseline_cuda [ROWS] [REPEAT] [STREAMS]   prints one JSON object
 *   exit 77 when there is no CUDA device (a skip, as in the tests) */
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include <cuda_runtime.h>

#define CHECK(call)                                                              \
    do {                                                                         \
        cudaError_t e_ = (call);                                                 \
        if (e_ != cudaSuccess) {                                                 \
            std::fprintf(stderr, "%s: %s\n", #call, cudaGetErrorString(e_));     \
            std::exit(1);                                                        \
        }                                                                        \
    } while (0)

static __global__ void logprod(size_t n, const double *__restrict__ x,
                               const double *__restrict__ y,
                               const double *__restrict__ z, double *__restrict__ out)
{
    size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (i < n)
        out[i] = log(x[i]) * log(y[i]) * log(z[i]);
}

int main(int argc, char **argv)
{
    size_t rows = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10000000;
    int repeat = argc > 2 ? std::atoi(argv[2]) : 5;
    int nstreams = argc > 3 ? std::atoi(argv[3]) : 8;
    int devices = 0;
    if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
        std::printf("{\"name\": \"cuda\", \"skipped\": \"no CUDA device\"}\n");
        return 77;
    }
    if (rows == 0 || repeat < 1 || nstreams < 1)
        return 2;
    const size_t bytes = rows * sizeof(double);
    double *h[4], *d[4];
    for (int c = 0; c < 4; c++) {
        CHECK(cudaMallocHost(&h[c], bytes));
        CHECK(cudaMalloc(&d[c], bytes));
    }
    for (size_t i = 0; i < rows; i++)
        h[0][i] = h[1][i] = h[2][i] = (double)(i + 1);
    std::vector<cudaStream_t> streams(nstreams);
    for (auto &s : streams)
        CHECK(cudaStreamCreate(&s));
    cudaEvent_t start, stop;
    CHECK(cudaEventCreate(&start));
    CHECK(cudaEventCreate(&stop));

    const size_t chunk = (rows + nstreams - 1) / nstreams;
    std::vector<double> times;
    for (int r = -1; r < repeat; r++) {   // r = -1: warm-up
        CHECK(cudaEventRecord(start));
        for (int s = 0; s < nstreams; s++) {
            size_t first = s * chunk;
            if (first >= rows)
                break;
            size_t n = std::min(chunk, rows - first), b = n * sizeof(double);
            for (int c = 0; c < 3; c++)
                CHECK(cudaMemcpyAsync(d[c] + first, h[c] + first, b, cudaMemcpyHostToDevice,
                                      streams[s]));
            logprod<<<(unsigned)((n + 255) / 256), 256, 0, streams[s]>>>(
                n, d[0] + first, d[1] + first, d[2] + first, d[3] + first);
            CHECK(cudaGetLastError());
            CHECK(cudaMemcpyAsync(h[3] + first, d[3] + first, b, cudaMemcpyDeviceToHost,
                                  streams[s]));
        }
        CHECK(cudaEventRecord(stop));
        CHECK(cudaEventSynchronize(stop));
        float ms = 0;
        CHECK(cudaEventElapsedTime(&ms, start, stop));
        if (r >= 0)
            times.push_back(ms * 1e-3);
    }
    long double sum = 0;
    for (size_t i = 0; i < rows; i++)
        sum += h[3][i];
    std::sort(times.begin(), times.end());
    double med = repeat % 2 ? times[repeat / 2] : 0.5 * (times[repeat / 2 - 1] + times[repeat / 2]);
    std::printf("{\"name\": \"cuda\", \"rows\": %zu, \"streams\": %d, \"seconds\": %.9g, "
                "\"median_seconds\": %.9g, \"checksum\": %.17g}\n",
                rows, nstreams, times[0], med, (double)sum);
    for (int c = 0; c < 4; c++) {
        cudaFreeHost(h[c]);
        cudaFree(d[c]);
    }
    return 0;
}
