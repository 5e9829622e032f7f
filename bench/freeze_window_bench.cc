// Freeze window of DoSnapshotSet under write load (issue 4): for N volumes
// (1 and 16 by default) with fio writing to each, how long writes are held
// between freeze and thaw, and the longest write stall fio sees, against
// its stall without snapshots measured in the same run.
//
// For each N, all on the same N volumes:
//   1. baseline: fio alone for --runtime seconds;
//   2. snapshots: the same fio load, and --sets snapshot sets (BACKUP
//      context, all N volumes, one every --interval-ms), each released right
//      after DoSnapshotSet so its auto-release snapshots are deleted;
//   3. array alone (when --lun-ids and the admin token are given): the same
//      load, and 5 CreateSnapshotSet calls straight to the array (admin, no
//      freeze) to split the commit into the array's clone+sync (commit_us)
//      and the rest of the call (catalogue transactions, gRPC).
// The freeze window of each set comes from shadowportd's log (info line of
// src/service/snapshot_creation.cc): "freeze window W ms (FIFREEZE H ms,
// commit C ms, thaw T ms; flush before it F ms)". Writes are held from the
// first FIFREEZE until the thaw: W = H + C + T bounds what any write can be
// held by the snapshot. The flush (freezer start, syncfs of every
// filesystem in parallel) comes before and holds no write.
//
// fio: 4 KiB random writes, psync, O_DIRECT, --rate-iops per volume, one job
// per volume on a file of --file-size prefilled once (so every phase
// overwrites allocated blocks). With O_DIRECT and one I/O in flight, a
// write's completion latency is exactly how long that write was held, and
// the baseline is the device's latency, not the page cache's.
//
// Target: freeze window <= 100 ms at p99 (nearest rank over the sets; with
// 10 sets that is the maximum). Prints PASS or MISS per N; exit 1 on an
// error. bench/freeze_window_bench.sh sets everything up and runs this.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "array/rpc/client.h"
#include "shadowport/backup_components.h"
#include "shadowport/context.h"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr double kTargetMs = 100.0;
constexpr int kArraySets = 5;
constexpr char kFioFile[] = "freeze-window-bench.dat";

struct Options {
  std::string service_socket;
  std::string service_log;
  std::string work_dir;
  std::string array_socket;
  std::string admin_token_file;
  std::vector<int> counts = {1, 16};
  int sets = 10;
  int interval_ms = 3000;
  int warmup_ms = 2000;
  int tail_ms = 3000;
  int rate_iops = 200;
  std::string file_size = "64M";
  std::vector<std::string> mounts;
  std::vector<uint64_t> lun_ids;
};

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "freeze_window_bench: %s\n", message.c_str());
  std::exit(1);
}

// fio runs in its own process group; a signal to the benchmark ends it too
// (and the script's cleanup kills what fio.pgids lists, for a SIGKILL).
std::atomic<pid_t> g_fio_pgid{0};

void OnSignal(int sig) {
  const pid_t pgid = g_fio_pgid.load();
  if (pgid > 0) ::kill(-pgid, SIGTERM);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

std::vector<std::string> Split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, sep)) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die("missing value after " + arg);
      return argv[++i];
    };
    if (arg == "--service-socket") {
      o.service_socket = value();
    } else if (arg == "--service-log") {
      o.service_log = value();
    } else if (arg == "--work-dir") {
      o.work_dir = value();
    } else if (arg == "--array-socket") {
      o.array_socket = value();
    } else if (arg == "--admin-token-file") {
      o.admin_token_file = value();
    } else if (arg == "--counts") {
      o.counts.clear();
      for (const std::string& n : Split(value(), ',')) {
        o.counts.push_back(std::stoi(n));
      }
    } else if (arg == "--lun-ids") {
      for (const std::string& n : Split(value(), ',')) {
        o.lun_ids.push_back(std::stoull(n));
      }
    } else if (arg == "--sets") {
      o.sets = std::stoi(value());
    } else if (arg == "--interval-ms") {
      o.interval_ms = std::stoi(value());
    } else if (arg == "--rate-iops") {
      o.rate_iops = std::stoi(value());
    } else if (arg == "--file-size") {
      o.file_size = value();
    } else if (arg.starts_with("--")) {
      Die("unknown option " + arg);
    } else {
      o.mounts.push_back(arg);
    }
  }
  if (o.service_socket.empty() || o.service_log.empty() || o.work_dir.empty() ||
      o.mounts.empty() || o.sets < 1) {
    Die("usage: freeze_window_bench --service-socket S --service-log LOG "
        "--work-dir DIR [--array-socket A --admin-token-file T --lun-ids "
        "ID,...] [--counts 1,16] [--sets 10] [--interval-ms 3000] "
        "[--rate-iops 200] [--file-size 64M] MOUNT...");
  }
  for (int n : o.counts) {
    if (n < 1 || n > static_cast<int>(o.mounts.size())) {
      Die("--counts asks for " + std::to_string(n) + " volumes, " +
          std::to_string(o.mounts.size()) + " given");
    }
  }
  if (!o.lun_ids.empty() && o.lun_ids.size() != o.mounts.size()) {
    Die("--lun-ids must name one LUN per mount, in the same order");
  }
  return o;
}

// ---- fio ------------------------------------------------------------------

struct FioJob {
  double max_ms = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double iops = 0;
};

// Starts fio in its own process group, output (JSON) to `json_path`.
pid_t StartFio(const Options& o, const std::vector<std::string>& job_args,
               const std::string& json_path) {
  std::vector<std::string> argv = {"fio", "--output-format=json",
                                   "--output=" + json_path};
  argv.insert(argv.end(), job_args.begin(), job_args.end());
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string log = o.work_dir + "/fio.log";
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
                                      POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  const int err =
      posix_spawnp(&pid, "fio", &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (err != 0) Die(std::string("cannot start fio: ") + std::strerror(err));
  g_fio_pgid = pid;
  std::ofstream(o.work_dir + "/fio.pgids", std::ios::app) << pid << '\n';
  return pid;
}

void WaitFio(pid_t pid, const Options& o) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  g_fio_pgid = 0;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    Die("fio failed (see " + o.work_dir + "/fio.log)");
  }
}

std::vector<std::string> FioJobs(const Options& o, int n,
                                 const std::vector<std::string>& common) {
  std::vector<std::string> args = common;
  for (int i = 0; i < n; ++i) {
    args.push_back("--name=v" + std::to_string(i));
    args.push_back("--filename=" + o.mounts[i] + "/" + kFioFile);
  }
  return args;
}

std::vector<std::string> LoadArgs(const Options& o, int runtime_s) {
  return {"--ioengine=psync",
          "--direct=1",
          "--rw=randwrite",
          "--bs=4k",
          "--size=" + o.file_size,
          "--time_based=1",
          "--runtime=" + std::to_string(runtime_s),
          "--rate_iops=" + std::to_string(o.rate_iops),
          "--percentile_list=50:99:99.9"};
}

std::vector<FioJob> ReadFio(const std::string& json_path) {
  std::ifstream in(json_path);
  std::stringstream text;
  text << in.rdbuf();
  // fio may print notes before the JSON document.
  const std::string s = text.str();
  const size_t start = s.find('{');
  if (start == std::string::npos) Die("no JSON in " + json_path);
  nlohmann::json doc = nlohmann::json::parse(s.substr(start), nullptr, false);
  if (doc.is_discarded() || !doc.contains("jobs")) {
    Die("cannot parse fio output " + json_path);
  }
  std::vector<FioJob> jobs;
  for (const auto& job : doc["jobs"]) {
    const auto& w = job["write"];
    const auto& clat = w["clat_ns"];
    FioJob j;
    j.max_ms = clat.value("max", 0.0) / 1e6;
    j.iops = w.value("iops", 0.0);
    if (clat.contains("percentile")) {
      j.p50_ms = clat["percentile"].value("50.000000", 0.0) / 1e6;
      j.p99_ms = clat["percentile"].value("99.000000", 0.0) / 1e6;
    }
    jobs.push_back(j);
  }
  return jobs;
}

struct FioSummary {
  double max_ms = 0;  // worst write of any job
  double p99_ms = 0;  // worst job's p99
  double p50_ms = 0;  // worst job's p50
  double iops = 0;    // all jobs
};

FioSummary Summarize(const std::vector<FioJob>& jobs) {
  FioSummary s;
  for (const FioJob& j : jobs) {
    s.max_ms = std::max(s.max_ms, j.max_ms);
    s.p99_ms = std::max(s.p99_ms, j.p99_ms);
    s.p50_ms = std::max(s.p50_ms, j.p50_ms);
    s.iops += j.iops;
  }
  return s;
}

// ---- statistics -------------------------------------------------------------

// Nearest-rank percentile.
double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(p / 100.0 * v.size() + 0.999999);
  rank = std::clamp<size_t>(rank, 1, v.size());
  return v[rank - 1];
}

double Max(const std::vector<double>& v) {
  return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
}

// ---- snapshot sets ----------------------------------------------------------

struct SetTimes {
  std::string set_id;
  double do_snapshot_set_ms = 0;
  double release_ms = 0;
  std::string error;  // the failed step, if any
};

void Check(const sp::Status& status, const std::string& what) {
  if (!status.ok()) Die(what + ": " + status.ToString());
}

// A step that fails ends the set: the error is recorded and the run goes
// on (a flush over flush_timeout_ms is a result, not a crash).
#define SET_STEP(expr, what)                                 \
  do {                                                       \
    const sp::Status step_ = (expr);                         \
    if (!step_.ok()) {                                       \
      t.error = std::string(what) + ": " + step_.ToString(); \
      return t;                                              \
    }                                                        \
  } while (0)

SetTimes MakeSet(const Options& o, int n) {
  SetTimes t;
  auto connected =
      sp::BackupComponents::Connect(o.service_socket, "freeze_window_bench");
  SET_STEP(connected.status(), "Connect");
  std::unique_ptr<sp::BackupComponents> b = std::move(connected).value();
  SET_STEP(b->InitializeForBackup(), "InitializeForBackup");
  SET_STEP(b->SetContext(static_cast<uint32_t>(sp::Context::kBackup)),
           "SetContext");
  SET_STEP(b->SetBackupState(true, false, sp::BackupType::kFull),
           "SetBackupState");
  SET_STEP(b->GatherWriterMetadata(), "GatherWriterMetadata");
  for (const sp::WriterMetadataInfo& w : b->GetWriterMetadata()) {
    for (const sp::WmdComponent& c : w.wmd.components) {
      SET_STEP(b->AddComponent(w.instance_id, w.writer_id, c.type,
                               c.logical_path, c.name),
               "AddComponent");
    }
  }
  sp::Result<sp::Guid> set = b->StartSnapshotSet();
  SET_STEP(set.status(), "StartSnapshotSet");
  for (int i = 0; i < n; ++i) {
    SET_STEP(b->AddToSnapshotSet(o.mounts[i]).status(),
             "AddToSnapshotSet " + o.mounts[i]);
  }
  SET_STEP(b->PrepareForBackup(), "PrepareForBackup");
  t.set_id = set->ToString();
  const auto start = Clock::now();
  const sp::Status done_status = b->DoSnapshotSet();
  const auto done = Clock::now();
  t.do_snapshot_set_ms =
      std::chrono::duration<double, std::milli>(done - start).count();
  SET_STEP(done_status, "DoSnapshotSet");
  // BACKUP context: auto-release, so ending the session deletes the set.
  SET_STEP(b->Release(), "Release");
  t.release_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - done).count();
  return t;
}

struct Window {
  double total = 0, flush = 0, hold = 0, commit = 0, thaw = 0;
};

// The service's "freeze window" lines, by set id.
std::map<std::string, Window> ReadWindows(const std::string& log_path) {
  std::map<std::string, Window> windows;
  std::ifstream in(log_path);
  std::string line;
  const std::string key = "snapshot set ";
  while (std::getline(in, line)) {
    const size_t at = line.find(key);
    const size_t fw = line.find(": freeze window ");
    if (at == std::string::npos || fw == std::string::npos) continue;
    const std::string id = line.substr(at + key.size(), fw - at - key.size());
    Window w;
    if (std::sscanf(line.c_str() + fw,
                    ": freeze window %lf ms (FIFREEZE %lf ms, commit %lf ms, "
                    "thaw %lf ms; flush before it %lf ms)",
                    &w.total, &w.hold, &w.commit, &w.thaw, &w.flush) == 5) {
      windows[id] = w;
    }
  }
  return windows;
}

// ---- the array alone
// ----------------------------------------------------------

struct ArrayTimes {
  std::vector<double> commit_ms;  // clone + sync, as the array times it
  std::vector<double> sync_ms;    // of which the sync pass (sync_us)
  std::vector<double> call_ms;    // the whole CreateSnapshotSet call
  std::string error;              // the call that failed, if any
};

std::unique_ptr<sp::array::rpc::ArrayClient> AdminClient(const Options& o) {
  std::ifstream in(o.admin_token_file);
  std::string token;
  std::getline(in, token);
  sp::array::rpc::ClientOptions options;
  options.target = "unix:" + o.array_socket;
  options.admin_token = token;
  auto client = sp::array::rpc::ArrayClient::Create(options);
  Check(client.status(), "connecting to the array");
  return std::move(client).value();
}

ArrayTimes ArrayAlone(const Options& o, int n) {
  auto admin = AdminClient(o);
  ArrayTimes t;
  for (int k = 0; k < kArraySets; ++k) {
    sp::array::SnapshotSetRequest request;
    auto id = sp::Guid::Random();
    Check(id.status(), "Guid::Random");
    request.snapshot_set_id = *id;
    request.lun_ids.assign(o.lun_ids.begin(), o.lun_ids.begin() + n);
    const auto start = Clock::now();
    auto made = admin->CreateSnapshotSet(request);
    const auto done = Clock::now();
    if (!made.ok()) {
      // A timeout may still complete at the array: it is removed with the
      // pool. The failure is reported, the run goes on.
      t.error = "CreateSnapshotSet (admin): " + made.status().ToString();
      break;
    }
    t.call_ms.push_back(
        std::chrono::duration<double, std::milli>(done - start).count());
    t.commit_ms.push_back(made->commit_us / 1000.0);
    t.sync_ms.push_back(made->sync_us / 1000.0);
    Check(admin->DeleteSnapshotSet(*id), "DeleteSnapshotSet (admin)");
    std::this_thread::sleep_for(milliseconds(o.interval_ms));
  }
  return t;
}

// ---- one N
// --------------------------------------------------------------------

struct Result {
  int n = 0;
  FioSummary baseline, loaded;
  std::vector<Window> windows;
  std::vector<double> do_ms, release_ms;
  std::optional<ArrayTimes> array;
  bool overran = false;
  std::vector<std::string> failures;
};

void SleepUntil(Clock::time_point t) { std::this_thread::sleep_until(t); }

Result RunN(const Options& o, int n) {
  Result r;
  r.n = n;
  const int runtime_s =
      (o.warmup_ms + o.sets * o.interval_ms + o.tail_ms + 999) / 1000;
  const std::string tag = o.work_dir + "/fio-n" + std::to_string(n);

  std::printf("N=%d: baseline, fio %d s...\n", n, runtime_s);
  std::fflush(stdout);
  pid_t fio =
      StartFio(o, FioJobs(o, n, LoadArgs(o, runtime_s)), tag + "-base.json");
  WaitFio(fio, o);
  r.baseline = Summarize(ReadFio(tag + "-base.json"));

  std::printf("N=%d: %d snapshot sets under the same load...\n", n, o.sets);
  std::fflush(stdout);
  const auto start = Clock::now();
  fio = StartFio(o, FioJobs(o, n, LoadArgs(o, runtime_s)), tag + "-snap.json");
  std::vector<SetTimes> sets;
  for (int k = 0; k < o.sets; ++k) {
    SleepUntil(start + milliseconds(o.warmup_ms + k * o.interval_ms));
    sets.push_back(MakeSet(o, n));
  }
  r.overran = Clock::now() > start + std::chrono::seconds(runtime_s);
  WaitFio(fio, o);
  r.loaded = Summarize(ReadFio(tag + "-snap.json"));

  const std::map<std::string, Window> windows = ReadWindows(o.service_log);
  for (const SetTimes& s : sets) {
    if (!s.error.empty()) {
      std::printf("N=%d: a set failed after %.0f ms: %s\n", n,
                  s.do_snapshot_set_ms, s.error.c_str());
      r.failures.push_back(s.error);
      continue;
    }
    auto it = windows.find(s.set_id);
    if (it == windows.end()) {
      Die("no freeze window line for set " + s.set_id + " in " + o.service_log +
          " (shadowportd needs log_level info or debug)");
    }
    r.windows.push_back(it->second);
    r.do_ms.push_back(s.do_snapshot_set_ms);
    r.release_ms.push_back(s.release_ms);
  }

  if (!o.lun_ids.empty() && !o.admin_token_file.empty() &&
      !o.array_socket.empty()) {
    const int array_runtime_s =
        (o.warmup_ms + kArraySets * o.interval_ms + 999) / 1000;
    std::printf("N=%d: array alone, %d sets under the same load...\n", n,
                kArraySets);
    std::fflush(stdout);
    fio = StartFio(o, FioJobs(o, n, LoadArgs(o, array_runtime_s)),
                   tag + "-array.json");
    std::this_thread::sleep_for(milliseconds(o.warmup_ms));
    r.array = ArrayAlone(o, n);
    WaitFio(fio, o);
  }
  return r;
}

std::vector<double> Field(const std::vector<Window>& w, double Window::*f) {
  std::vector<double> v;
  for (const Window& x : w) v.push_back(x.*f);
  return v;
}

void Print(const Options& o, const std::vector<Result>& results) {
  std::printf(
      "\nfio: 4 KiB random writes, psync, O_DIRECT, %d IOPS per volume, one "
      "job per volume on a %s file; %d snapshot sets per N (BACKUP, all N "
      "volumes), one every %d ms, each released at once.\n",
      o.rate_iops, o.file_size.c_str(), o.sets, o.interval_ms);

  std::printf(
      "\nfreeze window per set, ms (p50 / p99 / max over %d sets; "
      "p99 is nearest rank)\n",
      o.sets);
  std::printf("%-4s %-22s %-14s %-14s %-14s %-14s %-16s %s\n", "N",
              "window p50/p99/max", "flush p50/max", "FIFREEZE p50/max",
              "commit p50/max", "thaw p50/max", "DoSnapshotSet", "target");
  for (const Result& r : results) {
    const std::vector<double> total = Field(r.windows, &Window::total);
    auto pm = [](const std::vector<double>& v) {
      char s[64];
      std::snprintf(s, sizeof s, "%.1f / %.1f", Percentile(v, 50), Max(v));
      return std::string(s);
    };
    char window[64];
    std::snprintf(window, sizeof window, "%.1f / %.1f / %.1f",
                  Percentile(total, 50), Percentile(total, 99), Max(total));
    const bool pass = r.failures.empty() && Percentile(total, 99) <= kTargetMs;
    std::printf("%-4d %-22s %-14s %-14s %-14s %-14s %-16s %s\n", r.n, window,
                pm(Field(r.windows, &Window::flush)).c_str(),
                pm(Field(r.windows, &Window::hold)).c_str(),
                pm(Field(r.windows, &Window::commit)).c_str(),
                pm(Field(r.windows, &Window::thaw)).c_str(),
                pm(r.do_ms).c_str(), pass ? "PASS" : "MISS");
    if (!r.failures.empty()) {
      std::printf(
          "     %zu of %d sets failed (not in the figures; a "
          "failed set counts as a miss)\n",
          r.failures.size(), o.sets);
    }
  }

  std::printf(
      "\nfio write completion latency, ms (worst job; baseline and "
      "snapshot runs of the same length)\n");
  std::printf("%-4s %-10s %-10s %-8s %-10s %-10s %-8s %-22s\n", "N", "max base",
              "max snap", "ratio", "p99 base", "p99 snap", "ratio",
              "IOPS base / snap");
  for (const Result& r : results) {
    auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
    char iops[32];
    std::snprintf(iops, sizeof iops, "%.0f / %.0f", r.baseline.iops,
                  r.loaded.iops);
    std::printf("%-4d %-10.1f %-10.1f %-8s %-10.2f %-10.2f %-8s %-22s\n", r.n,
                r.baseline.max_ms, r.loaded.max_ms,
                (std::to_string(ratio(r.loaded.max_ms, r.baseline.max_ms))
                     .substr(0, 5) +
                 "x")
                    .c_str(),
                r.baseline.p99_ms, r.loaded.p99_ms,
                (std::to_string(ratio(r.loaded.p99_ms, r.baseline.p99_ms))
                     .substr(0, 5) +
                 "x")
                    .c_str(),
                iops);
    if (r.overran) {
      std::printf(
          "     (the sets ran past the end of fio's run: raise "
          "--interval-ms or lower --sets)\n");
    }
  }

  bool any_array = false;
  for (const Result& r : results) any_array = any_array || r.array;
  if (any_array) {
    std::printf(
        "\narray alone: CreateSnapshotSet by the admin under the same "
        "load, no freeze (%d sets), ms p50 / max\n",
        kArraySets);
    std::printf("%-4s %-22s %-22s %-22s\n", "N", "clone+sync (commit_us)",
                "of which sync", "whole call");
    for (const Result& r : results) {
      if (!r.array) continue;
      char a[64], b[64], c[64];
      std::snprintf(a, sizeof a, "%.1f / %.1f",
                    Percentile(r.array->commit_ms, 50),
                    Max(r.array->commit_ms));
      std::snprintf(c, sizeof c, "%.1f / %.1f",
                    Percentile(r.array->sync_ms, 50), Max(r.array->sync_ms));
      std::snprintf(b, sizeof b, "%.1f / %.1f",
                    Percentile(r.array->call_ms, 50), Max(r.array->call_ms));
      std::printf("%-4d %-22s %-22s %-22s\n", r.n, a, c, b);
      if (!r.array->error.empty()) {
        std::printf("     stopped after %zu sets: %s\n",
                    r.array->call_ms.size(), r.array->error.c_str());
      }
    }
  }
  std::printf("\ntarget: freeze window <= %.0f ms at p99\n", kTargetMs);
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = ParseOptions(argc, argv);
  ::signal(SIGINT, OnSignal);
  ::signal(SIGTERM, OnSignal);
  ::signal(SIGHUP, OnSignal);

  // The service must answer before anything is measured.
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (!sp::BackupComponents::GetServiceStatus(o.service_socket).ok()) {
    if (Clock::now() > deadline) Die("shadowportd does not answer");
    std::this_thread::sleep_for(milliseconds(100));
  }

  // Prefill every volume's file once: each phase then overwrites allocated
  // blocks, as the baseline does.
  const int most = *std::max_element(o.counts.begin(), o.counts.end());
  std::printf("prefilling %d files of %s...\n", most, o.file_size.c_str());
  std::fflush(stdout);
  const pid_t fill =
      StartFio(o,
               FioJobs(o, most,
                       {"--ioengine=psync", "--direct=1", "--rw=write",
                        "--bs=1M", "--size=" + o.file_size}),
               o.work_dir + "/fio-prefill.json");
  WaitFio(fill, o);

  std::vector<Result> results;
  for (int n : o.counts) results.push_back(RunN(o, n));
  Print(o, results);
  return 0;
}
