// sp-sqlite-app: a SQLite application for the writer tests (integration and
// lab): it commits numbered transactions into a database until SIGTERM and
// records each commit, so a test can tell which transactions were committed
// before a snapshot and how long a commit waited during one.
//
//   sp-sqlite-app --db PATH --progress FILE [--rows-per-tx N]
//                 [--interval-ms N] [--keep-wal]
//
// Each transaction k (1, 2, ...) is BEGIN IMMEDIATE, N rows (tx = k,
// part = 1..N, a 1 KiB payload), COMMIT, on one connection held for the
// whole run, in WAL mode, with a 60 s busy timeout (it waits for a writer's
// freeze rather than failing). After COMMIT returns it appends
// "k latency_ms" to FILE and flushes (FILE must not be on the volume being
// snapshotted, or a frozen filesystem would hold the record too). A
// consistent copy holds transactions 1..M complete (N rows each), with M at
// least the last k recorded before the snapshot began.
//
// --keep-wal: never checkpoint (wal_autocheckpoint=0, and no checkpoint
// when closing), so the WAL shrinks only when the SQLite writer truncates it
// after a successful backup.
//
// Prints "ready" on stdout once the table exists. Exit status: 0 after
// SIGTERM/SIGINT, 1 on a SQLite error (on stderr), 2 for bad options.
#include <signal.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace {

volatile sig_atomic_t g_stop = 0;

void OnSignal(int) { g_stop = 1; }

bool Exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) == SQLITE_OK) {
    return true;
  }
  std::fprintf(stderr, "sp-sqlite-app: %s: %s\n", sql,
               error != nullptr ? error : sqlite3_errmsg(db));
  sqlite3_free(error);
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  std::string db_path;
  std::string progress_path;
  int rows_per_tx = 3;
  int interval_ms = 5;
  bool keep_wal = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--db" && has_value) {
      db_path = argv[++i];
    } else if (arg == "--progress" && has_value) {
      progress_path = argv[++i];
    } else if (arg == "--rows-per-tx" && has_value) {
      rows_per_tx = std::atoi(argv[++i]);
    } else if (arg == "--interval-ms" && has_value) {
      interval_ms = std::atoi(argv[++i]);
    } else if (arg == "--keep-wal") {
      keep_wal = true;
    } else {
      std::fprintf(stderr,
                   "usage: sp-sqlite-app --db PATH --progress FILE "
                   "[--rows-per-tx N] [--interval-ms N] [--keep-wal]\n");
      return 2;
    }
  }
  if (db_path.empty() || progress_path.empty() || rows_per_tx < 1) {
    std::fprintf(stderr, "sp-sqlite-app: --db and --progress are required\n");
    return 2;
  }
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);

  sqlite3* db = nullptr;
  if (sqlite3_open(db_path.c_str(), &db) != SQLITE_OK) {
    std::fprintf(stderr, "sp-sqlite-app: open %s: %s\n", db_path.c_str(),
                 sqlite3_errmsg(db));
    return 1;
  }
  sqlite3_busy_timeout(db, 60000);
  if (keep_wal) {
    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  }
  if (!Exec(db, "PRAGMA journal_mode=WAL") ||
      !Exec(db, keep_wal ? "PRAGMA wal_autocheckpoint=0"
                         : "PRAGMA wal_autocheckpoint=1000") ||
      !Exec(db,
            "CREATE TABLE IF NOT EXISTS t(tx INTEGER, part INTEGER, "
            "payload BLOB, PRIMARY KEY (tx, part))")) {
    return 1;
  }
  FILE* progress = std::fopen(progress_path.c_str(), "a");
  if (progress == nullptr) {
    std::perror(progress_path.c_str());
    return 1;
  }
  sqlite3_int64 tx = 0;
  {
    sqlite3_stmt* max = nullptr;
    sqlite3_prepare_v2(db, "SELECT coalesce(max(tx), 0) FROM t", -1, &max,
                       nullptr);
    if (sqlite3_step(max) == SQLITE_ROW) tx = sqlite3_column_int64(max, 0);
    sqlite3_finalize(max);
  }
  sqlite3_stmt* insert = nullptr;
  if (sqlite3_prepare_v2(db,
                         "INSERT INTO t(tx, part, payload) "
                         "VALUES (?1, ?2, randomblob(1024))",
                         -1, &insert, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "sp-sqlite-app: %s\n", sqlite3_errmsg(db));
    return 1;
  }
  std::printf("ready\n");
  std::fflush(stdout);
  int rc = 0;
  while (!g_stop) {
    ++tx;
    const auto start = std::chrono::steady_clock::now();
    if (!Exec(db, "BEGIN IMMEDIATE")) {
      rc = 1;
      break;
    }
    bool ok = true;
    for (int part = 1; part <= rows_per_tx && ok; ++part) {
      sqlite3_bind_int64(insert, 1, tx);
      sqlite3_bind_int(insert, 2, part);
      ok = sqlite3_step(insert) == SQLITE_DONE;
      if (!ok) {
        std::fprintf(stderr, "sp-sqlite-app: insert: %s\n", sqlite3_errmsg(db));
      }
      sqlite3_reset(insert);
    }
    if (!ok || !Exec(db, "COMMIT")) {
      rc = 1;
      break;
    }
    const auto latency = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    std::fprintf(progress, "%lld %lld\n", static_cast<long long>(tx),
                 static_cast<long long>(latency.count()));
    std::fflush(progress);
    std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
  }
  sqlite3_finalize(insert);
  std::fclose(progress);
  sqlite3_close(db);
  return rc;
}
