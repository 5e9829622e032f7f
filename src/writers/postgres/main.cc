// shadowport-writer-postgres: the PostgreSQL writer (docs/writers/postgres.md).
//
//   shadowport-writer-postgres --config FILE [--socket PATH]
//       run the writer until SIGTERM/SIGINT/SIGHUP
//   shadowport-writer-postgres wmd --config FILE
//       print the writer's metadata document (what Identify answers)
//   shadowport-writer-postgres restore --bcd BCD --from DIR --to DIR
//       --archive DIR [--archive-to DIR] [--instance NAME] [--latest]
//       [--keep-archive-mode] [--tablespace-mapping OLDDIR=NEWDIR ...]
//       [--tablespace-from OLDDIR=DIR ...]
//
// Exit status: 0 ok; the code table's exit code for a failure (printed as
// "shadowport-writer-postgres: CODE (HRESULT): message"); 2 for bad usage
// or when the writer could not run.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "shadowport/documents.h"
#include "shadowport/writer.h"
#include "writers/postgres/cluster_layout.h"
#include "writers/postgres/config.h"
#include "writers/postgres/postgres_writer.h"
#include "writers/postgres/restore.h"
#include "writers/postgres/wmd_builder.h"

namespace {

constexpr char kProgram[] = "shadowport-writer-postgres";

int Fail(const sp::Status& status) {
  std::fprintf(stderr, "%s: %s\n", kProgram, status.ToString().c_str());
  const int code = status.info().exit_code;
  return code == 0 ? 1 : code;
}

int RunWriter(const std::string& config_path, const std::string& socket) {
  sp::Result<sp::postgres::WriterConfig> config =
      sp::postgres::LoadConfig(config_path);
  if (!config.ok()) return Fail(config.status());
  sp::WriterRunOptions options;
  options.socket = socket.empty() ? config->socket : socket;
  sp::postgres::PostgresWriter writer(
      std::move(config).value(), [](std::string_view line) {
        std::fprintf(stderr, "%s: %.*s\n", kProgram,
                     static_cast<int>(line.size()), line.data());
      });
  options.on_registered = [&] {
    std::fprintf(stderr, "%s: registered as %s (instance %s)\n", kProgram,
                 writer.identity().instance_name.c_str(),
                 writer.identity().instance_id.ToString().c_str());
  };
  return sp::RunWriterUntilSignalled(writer, std::move(options));
}

int PrintWmd(const std::string& config_path) {
  sp::Result<sp::postgres::WriterConfig> config =
      sp::postgres::LoadConfig(config_path);
  if (!config.ok()) return Fail(config.status());
  sp::Result<sp::postgres::ClusterLayout> layout =
      sp::postgres::DiscoverLayout(*config);
  if (!layout.ok()) return Fail(layout.status());
  sp::Result<std::string> xml = sp::SaveWmd(sp::postgres::BuildWriterMetadata(
      sp::postgres::MakeIdentity(*config), *layout));
  if (!xml.ok()) return Fail(xml.status());
  std::cout << *xml;
  return 0;
}

// "OLDDIR=NEWDIR" arguments into `out`.
sp::Status ParseMappings(const std::vector<std::string>& args,
                         std::vector<sp::postgres::DirectoryMapping>& out) {
  for (const std::string& arg : args) {
    SP_ASSIGN_OR_RETURN(sp::postgres::DirectoryMapping m,
                        sp::postgres::ParseDirectoryMapping(arg));
    out.push_back(std::move(m));
  }
  return sp::Status::Ok();
}

int RunRestore(sp::postgres::RestoreOptions options,
               const std::vector<std::string>& targets,
               const std::vector<std::string>& sources) {
  sp::Status parsed = ParseMappings(targets, options.tablespace_targets);
  if (parsed.ok()) parsed = ParseMappings(sources, options.tablespace_sources);
  if (!parsed.ok()) return Fail(parsed);
  sp::Result<sp::postgres::RestoreReport> report =
      sp::postgres::Restore(options);
  if (!report.ok()) return Fail(report.status());
  const auto& m = report->metadata;
  for (const sp::postgres::TablespaceRestore& t : report->tablespaces) {
    std::printf(
        "tablespace %s (%s): copied from %s to %s (%llu files, %llu "
        "bytes)\n",
        t.tablespace.oid.c_str(), t.tablespace.location.c_str(),
        t.source.c_str(), t.target.c_str(),
        static_cast<unsigned long long>(t.data.files),
        static_cast<unsigned long long>(t.data.bytes));
  }
  std::printf(
      "restored PostgreSQL backup \"%s\" into %s\n"
      "  data: %llu files, %llu directories, %llu bytes\n"
      "  WAL archive copy: %s (%llu files; needs %s..%s)\n"
      "  backup_label, %srecovery.signal and restore_command written; start "
      "the server on %s (as the owner of the files) to recover to %s\n",
      m.label.c_str(), options.to.c_str(),
      static_cast<unsigned long long>(report->data.files),
      static_cast<unsigned long long>(report->data.directories),
      static_cast<unsigned long long>(report->data.bytes),
      report->archive_to.c_str(),
      static_cast<unsigned long long>(report->wal_files),
      m.start_wal_file.c_str(), m.stop_wal_file.c_str(),
      report->tablespaces.empty() ? "" : "tablespace_map, ", options.to.c_str(),
      options.recover_to_latest
          ? "the end of the archive"
          : ("the backup's end (" + m.stop_lsn + ")").c_str());
  return 0;
}

int Run(int argc, char** argv) {
  CLI::App app{"shadowport PostgreSQL writer (docs/writers/postgres.md)",
               kProgram};
  app.require_subcommand(0, 1);
  std::string config_path, socket;
  app.add_option("--config", config_path, "the writer's TOML configuration");
  app.add_option("--socket", socket,
                 "shadowportd's socket (default: the config's socket)");

  CLI::App* wmd = app.add_subcommand("wmd", "print the writer metadata");
  wmd->add_option("--config", config_path, "the writer's TOML configuration")
      ->required();

  sp::postgres::RestoreOptions restore;
  CLI::App* rs = app.add_subcommand(
      "restore", "make a recoverable data directory from an exposed snapshot");
  rs->add_option("--bcd", restore.bcd_path, "the backup's BCD")->required();
  rs->add_option("--from", restore.from,
                 "the data directory inside the exposed snapshot")
      ->required();
  rs->add_option("--to", restore.to, "the new data directory (must not exist)")
      ->required();
  rs->add_option("--archive", restore.archive,
                 "a WAL archive holding the backup's WAL (start..stop)")
      ->required();
  rs->add_option("--archive-to", restore.archive_to,
                 "where the WAL is copied (default TO.wal-archive)");
  rs->add_option("--instance", restore.instance,
                 "the cluster, if the BCD holds several");
  rs->add_flag("--latest", restore.recover_to_latest,
               "replay the whole archive, not only to the backup's end");
  rs->add_flag("--keep-archive-mode", restore.keep_archive_mode,
               "do not turn archive_mode off in the copy");
  std::vector<std::string> ts_targets, ts_sources;
  rs->add_option("--tablespace-mapping,-T", ts_targets,
                 "OLDDIR=NEWDIR: restore the tablespace at OLDDIR (on the "
                 "creating host) into NEWDIR; one per tablespace")
      ->allow_extra_args(false);
  rs->add_option("--tablespace-from", ts_sources,
                 "OLDDIR=DIR: the tablespace's copy in the exposed snapshot "
                 "(default: derived when on the data directory's volume)")
      ->allow_extra_args(false);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (*wmd) return PrintWmd(config_path);
  if (*rs) return RunRestore(restore, ts_targets, ts_sources);
  if (config_path.empty()) {
    std::fprintf(stderr, "%s: --config FILE is required\n", kProgram);
    return 2;
  }
  return RunWriter(config_path, socket);
}

}  // namespace

int main(int argc, char** argv) {
  return sp::WriterMain("shadowport-writer-postgres",
                        [&] { return Run(argc, argv); });
}
