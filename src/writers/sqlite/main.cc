// shadowport-writer-sqlite --config FILE [--socket PATH]: the SQLite writer
// (sqlite_writer.h, docs/writers/sqlite.md). Reads the config, registers
// with shadowportd and answers its events until SIGTERM.
//
// Exit status: 0 after SIGTERM/SIGINT/SIGHUP, 2 when the service refused
// the registration or could not be reached (with --no-reconnect), 3 for bad
// options or a bad config (the message on stderr).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <system_error>

#include "shadowport/backup_components.h"
#include "shadowport/writer.h"
#include "writers/sqlite/sqlite_config.h"
#include "writers/sqlite/sqlite_writer.h"

namespace {

int Run(int argc, char** argv) {
  std::string config_path;
  std::string socket = sp::kDefaultServiceSocket;
  bool no_reconnect = false;
  bool check = false;
  CLI::App app{
      "shadowport-writer-sqlite: holds the write lock of SQLite databases "
      "while shadow copies are cut, and truncates their WAL after a backup "
      "that succeeded"};
  app.add_option("--config", config_path, "TOML config listing the databases")
      ->required();
  app.add_option("--socket", socket, "shadowportd's socket")
      ->capture_default_str();
  app.add_flag("--no-reconnect", no_reconnect,
               "exit (status 2) when the service ends the stream or cannot "
               "be reached, instead of reconnecting");
  app.add_flag("--check", check, "validate the config, print it, and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 3;
  }
  std::error_code ec;
  const std::string absolute =
      std::filesystem::absolute(config_path, ec).lexically_normal().string();
  sp::Result<sp::writers::sqlite::SqliteWriterConfig> config =
      sp::writers::sqlite::LoadSqliteWriterConfig(absolute);
  if (!config.ok()) {
    std::cerr << "shadowport-writer-sqlite: " << config.status().ToString()
              << '\n';
    return 3;
  }
  if (check) {
    for (const auto& db : config->databases) {
      std::cout << db.name << '\t' << db.path << '\n';
    }
    return 0;
  }
  for (const auto& db : config->databases) {
    if (!std::filesystem::exists(db.path, ec)) {
      std::cerr << "shadowport-writer-sqlite: note: " << db.name << " ("
                << db.path << ") does not exist yet\n";
    }
  }
  sp::writers::sqlite::SqliteWriter writer(
      sp::writers::sqlite::SqliteWriterIdentity(absolute, *config), *config);
  sp::WriterRunOptions run;
  run.socket = socket;
  run.reconnect = !no_reconnect;
  run.on_registered = [] {
    std::fprintf(stderr, "shadowport-writer-sqlite: registered\n");
  };
  return sp::RunWriterUntilSignalled(writer, run);
}

}  // namespace

int main(int argc, char** argv) {
  return sp::WriterMain("shadowport-writer-sqlite",
                        [&] { return Run(argc, argv); });
}
