// Snapshot-set commit time of the embedded array (src/array), on a real
// reflink pool: how long CreateSnapshotSet spends cloning, for
//   A. 1 LUN of 1 GiB holding 256 MiB       (the baseline of the ratios)
//   S. 1 LUN of 64 GiB holding 256 MiB      (size alone: the target)
//   B. 1 LUN of 64 GiB holding 8 GiB        (size and data)
//   C. 16 LUNs of 1 GiB holding 64 MiB each
//   D. 64 LUNs of 1 GiB holding 16 MiB each
// and, for scale, a full copy of A's LUN (the "full mirror" approach).
// Every figure is the median of kRuns commits measured in this run; ratios
// are against A. Target (issue 3): S within 1.5x of A: the commit must not
// grow with LUN size. B shows what more data (more extents) costs.
//
// Usage: array_commit_bench POOL_DIR   (POOL_DIR on XFS reflink=1 or btrfs,
// with ~12 GiB free; bench/array_commit_bench.sh makes one on a loop device).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "array/array.h"
#include "os/pool_filesystem.h"

namespace {

using sp::array::Array;
using sp::array::Caller;

constexpr int kRuns = 5;
constexpr uint64_t kMiB = 1ull << 20;
constexpr uint64_t kGiB = 1ull << 30;

[[noreturn]] void Die(const sp::Status& status, const char* what) {
  std::fprintf(stderr, "array_commit_bench: %s: %s\n", what,
               status.ToString().c_str());
  std::exit(1);
}

template <typename T>
T Must(sp::Result<T> result, const char* what) {
  if (!result.ok()) Die(result.status(), what);
  return std::move(result).value();
}

// Writes `bytes` of data at the start of `path` in 1 MiB blocks, then fsyncs.
void Fill(const std::string& path, uint64_t bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    std::perror(path.c_str());
    std::exit(1);
  }
  std::vector<char> block(kMiB);
  for (uint64_t off = 0; off < bytes; off += kMiB) {
    for (size_t i = 0; i < block.size(); i += 4096) {
      block[i] = static_cast<char>(off / kMiB + i);  // not all zeros
    }
    if (::pwrite(fd, block.data(), block.size(), static_cast<off_t>(off)) !=
        static_cast<ssize_t>(block.size())) {
      std::perror("pwrite");
      std::exit(1);
    }
  }
  ::fsync(fd);
  ::close(fd);
}

struct Config {
  const char* name;
  int luns;
  uint64_t size;
  uint64_t data;
};

// Median commit time of kRuns snapshot sets of the given LUNs, in ms.
double MedianCommitMs(Array& array, const Caller& host,
                      const std::vector<uint64_t>& luns) {
  std::vector<double> ms;
  for (int run = 0; run < kRuns; ++run) {
    sp::array::SnapshotSetRequest request;
    request.snapshot_set_id = Must(sp::Guid::Random(), "guid");
    request.lun_ids = luns;
    sp::array::SnapshotSetResult result =
        Must(array.CreateSnapshotSet(host, request), "snapshot set");
    ms.push_back(static_cast<double>(result.commit_us) / 1000.0);
    sp::Status deleted =
        array.DeleteSnapshotSet(Caller::Admin(), request.snapshot_set_id);
    if (!deleted.ok()) Die(deleted, "delete snapshot set");
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

double FullCopyMs(const std::string& src, const std::string& dst) {
  const auto start = std::chrono::steady_clock::now();
  int in = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
  int out = ::open(dst.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  std::vector<char> block(4 * kMiB);
  ssize_t n;
  off_t off = 0;
  while ((n = ::pread(in, block.data(), block.size(), off)) > 0) {
    // Copy every byte, holes included, as a full mirror would.
    if (::pwrite(out, block.data(), static_cast<size_t>(n), off) != n) break;
    off += n;
  }
  ::fsync(out);
  ::close(in);
  ::close(out);
  const auto end = std::chrono::steady_clock::now();
  ::unlink(dst.c_str());
  return std::chrono::duration<double, std::milli>(end - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: array_commit_bench POOL_DIR\n");
    return 2;
  }
  std::unique_ptr<sp::os::PoolFilesystem> fs = sp::os::MakePoolFilesystem();
  sp::array::ArrayOptions options;
  options.pool_dir = argv[1];
  options.free_space_floor_bytes = 256 * kMiB;
  std::unique_ptr<Array> array =
      Must(Array::Open(options, fs.get()), "open array");
  const Caller admin = Caller::Admin();
  Must(array->AddHost(admin, "bench", ""), "add host");
  const Caller host = Caller::Host("bench");

  const Config configs[] = {
      {"A: 1 LUN of 1 GiB, 256 MiB data", 1, kGiB, 256 * kMiB},
      {"S: 1 LUN of 64 GiB, 256 MiB data", 1, 64 * kGiB, 256 * kMiB},
      {"B: 1 LUN of 64 GiB, 8 GiB data", 1, 64 * kGiB, 8 * kGiB},
      {"C: 16 LUNs of 1 GiB, 64 MiB data each", 16, kGiB, 64 * kMiB},
      {"D: 64 LUNs of 1 GiB, 16 MiB data each", 64, kGiB, 16 * kMiB},
  };
  std::printf("%-40s %12s %10s\n", "snapshot set commit (median of 5)", "ms",
              "vs A");
  double baseline = 0;
  std::string baseline_file;
  for (const Config& config : configs) {
    std::vector<uint64_t> luns;
    for (int i = 0; i < config.luns; ++i) {
      sp::array::LunInfo lun =
          Must(array->CreateLun(admin, config.size), "create LUN");
      sp::Status presented = array->Present(admin, lun.id, "bench");
      if (!presented.ok()) Die(presented, "present");
      sp::array::AttachInfo attach =
          Must(array->Attach(host, lun.id), "attach");
      Fill(attach.backing_file, config.data);
      sp::Status detached = array->Detach(host, lun.id);
      if (!detached.ok()) Die(detached, "detach");
      if (baseline_file.empty()) baseline_file = attach.backing_file;
      luns.push_back(lun.id);
    }
    const double ms = MedianCommitMs(*array, host, luns);
    if (baseline == 0) baseline = ms;
    std::printf("%-40s %12.2f %9.2fx\n", config.name, ms, ms / baseline);
  }
  const double copy_ms =
      FullCopyMs(baseline_file, std::string(argv[1]) + "/bench-copy.img");
  std::printf("%-40s %12.2f %9.2fx\n", "full copy of A's 1 GiB LUN", copy_ms,
              copy_ms / baseline);
  std::printf("target: S within 1.5x of A\n");
  return 0;
}
