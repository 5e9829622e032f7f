#include "writers/postgres/backup_metadata.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "shadowport/path_translation.h"
#include "writers/postgres/wal_names.h"

namespace sp::postgres {
namespace {

using json = nlohmann::json;

Status Bad(const std::string& what) {
  return Status(Code::kInvalidArg, "PostgreSQL backup metadata: " + what);
}

// The value after "NAME: " on a line of the backup label, or "".
std::string LabelLine(std::string_view label, std::string_view name) {
  size_t pos = 0;
  while (pos < label.size()) {
    size_t end = label.find('\n', pos);
    if (end == std::string_view::npos) end = label.size();
    std::string_view line = label.substr(pos, end - pos);
    if (line.starts_with(name) && line.size() > name.size() + 1 &&
        line[name.size()] == ':' && line[name.size() + 1] == ' ') {
      return std::string(line.substr(name.size() + 2));
    }
    pos = end + 1;
  }
  return "";
}

std::string SegmentOf(uint32_t timeline, uint64_t lsn, uint64_t size) {
  return WalSegmentName({timeline, lsn / size}, size);
}

}  // namespace

Result<std::vector<Tablespace>> ParseTablespaceMap(std::string_view map) {
  // PostgreSQL writes "<oid> <path>\n" per tablespace, with '\n', '\r'
  // and '\\' in the path escaped by a backslash; its reader ends a line at
  // an unescaped '\n' or '\r' and drops every escaping backslash.
  std::vector<std::string> lines(1);
  bool escaped = false;
  for (char c : map) {
    if (!escaped && (c == '\n' || c == '\r')) {
      lines.emplace_back();
    } else if (!escaped && c == '\\') {
      escaped = true;
    } else {
      lines.back().push_back(c);
      escaped = false;
    }
  }
  if (escaped) return Bad("tablespace_map ends with a lone backslash");
  std::vector<Tablespace> out;
  std::set<std::string> seen;
  for (const std::string& line : lines) {
    if (line.empty()) continue;
    const size_t space = line.find(' ');
    if (space == std::string::npos || space == 0 || space > 10) {
      return Bad("tablespace_map line is not \"<oid> <path>\"");
    }
    const std::string oid = line.substr(0, space);
    for (char c : oid) {
      if (c < '0' || c > '9') return Bad("tablespace_map oid is not a number");
    }
    Result<std::string> path =
        NormalizeAbsolutePath(std::string_view(line).substr(space + 1));
    if (!path.ok()) {
      return Bad("tablespace_map path: " + path.status().message());
    }
    if (!seen.insert(oid).second) return Bad("tablespace_map repeats " + oid);
    out.push_back({oid, *path});
  }
  return out;
}

std::string FormatTablespaceMap(const std::vector<Tablespace>& tablespaces) {
  std::string out;
  for (const Tablespace& t : tablespaces) {
    out += t.oid;
    out += ' ';
    for (char c : t.location) {
      if (c == '\n' || c == '\r' || c == '\\') out += '\\';
      out += c;
    }
    out += '\n';
  }
  return out;
}

Status CompleteBackupMetadata(BackupMetadata& m) {
  if (!IsValidSegmentSize(m.wal_segment_size)) {
    return Bad("wal_segment_size " + std::to_string(m.wal_segment_size) +
               " is not a power of two from 1 MiB to 1 GiB");
  }
  // "START WAL LOCATION: 0/2000028 (file 000000010000000000000002)"
  const std::string start = LabelLine(m.backup_label, "START WAL LOCATION");
  const size_t open = start.find(" (file ");
  if (open == std::string::npos || start.size() != open + 7 + 24 + 1 ||
      start.back() != ')') {
    return Bad("backup_label has no START WAL LOCATION line");
  }
  m.start_wal_file = start.substr(open + 7, 24);
  if (start.substr(0, open) != m.start_lsn) {
    return Bad("backup_label's start location " + start.substr(0, open) +
               " is not start_lsn " + m.start_lsn);
  }
  const std::string tli = LabelLine(m.backup_label, "START TIMELINE");
  if (tli.empty() || tli.size() > 10 ||
      tli.find_first_not_of("0123456789") != std::string::npos) {
    return Bad("backup_label has no START TIMELINE line");
  }
  m.timeline = static_cast<uint32_t>(std::stoull(tli));
  const auto stop = ParseLsn(m.stop_lsn);
  if (!stop || *stop == 0) return Bad("stop_lsn is not an LSN");
  // pg_backup_stop waits for the segment holding the byte before stop_lsn
  // (XLByteToPrevSeg), which is therefore the last one recovery needs.
  m.stop_wal_file = SegmentOf(m.timeline, *stop - 1, m.wal_segment_size);
  return Status::Ok();
}

std::string SerializeBackupMetadata(const BackupMetadata& m) {
  json j = {
      {"format", kBackupMetadataFormat},
      {"label", m.label},
      {"start_lsn", m.start_lsn},
      {"stop_lsn", m.stop_lsn},
      {"start_wal_file", m.start_wal_file},
      {"stop_wal_file", m.stop_wal_file},
      {"timeline", m.timeline},
      {"wal_segment_size", m.wal_segment_size},
      {"server_version_num", m.server_version_num},
      {"data_directory", m.data_directory},
      {"backup_label", m.backup_label},
      {"tablespace_map", m.tablespace_map},
  };
  return j.dump(1);
}

Result<BackupMetadata> ParseBackupMetadata(std::string_view text) {
  if (text.size() > kMaxBackupMetadataBytes) return Bad("larger than 1 MiB");
  if (text.find('\0') != std::string_view::npos) return Bad("has a NUL byte");
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Bad("not a JSON object");

  static const std::set<std::string> kKeys = {"format",
                                              "label",
                                              "start_lsn",
                                              "stop_lsn",
                                              "start_wal_file",
                                              "stop_wal_file",
                                              "timeline",
                                              "wal_segment_size",
                                              "server_version_num",
                                              "data_directory",
                                              "backup_label",
                                              "tablespace_map"};
  for (const auto& [key, value] : j.items()) {
    if (kKeys.count(key) == 0) return Bad("unknown field \"" + key + "\"");
  }
  auto str = [&](const char* key, std::string* out) -> Status {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) {
      return Bad(std::string(key) + " must be a string");
    }
    *out = it->get<std::string>();
    return Status::Ok();
  };
  auto num = [&](const char* key, uint64_t max, uint64_t* out) -> Status {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_unsigned() ||
        it->get<uint64_t>() > max) {
      return Bad(std::string(key) + " must be a number up to " +
                 std::to_string(max));
    }
    *out = it->get<uint64_t>();
    return Status::Ok();
  };

  std::string format;
  SP_RETURN_IF_ERROR(str("format", &format));
  if (format != kBackupMetadataFormat) {
    return Bad("format is \"" + format.substr(0, 64) + "\", want \"" +
               std::string(kBackupMetadataFormat) + "\"");
  }
  BackupMetadata m;
  uint64_t timeline = 0, version = 0;
  SP_RETURN_IF_ERROR(str("label", &m.label));
  SP_RETURN_IF_ERROR(str("start_lsn", &m.start_lsn));
  SP_RETURN_IF_ERROR(str("stop_lsn", &m.stop_lsn));
  SP_RETURN_IF_ERROR(str("start_wal_file", &m.start_wal_file));
  SP_RETURN_IF_ERROR(str("stop_wal_file", &m.stop_wal_file));
  SP_RETURN_IF_ERROR(num("timeline", 0xFFFFFFFFu, &timeline));
  SP_RETURN_IF_ERROR(
      num("wal_segment_size", uint64_t{1} << 30, &m.wal_segment_size));
  SP_RETURN_IF_ERROR(num("server_version_num", 9'999'999, &version));
  SP_RETURN_IF_ERROR(str("data_directory", &m.data_directory));
  SP_RETURN_IF_ERROR(str("backup_label", &m.backup_label));
  SP_RETURN_IF_ERROR(str("tablespace_map", &m.tablespace_map));
  m.timeline = static_cast<uint32_t>(timeline);
  m.server_version_num = static_cast<int64_t>(version);

  // Recompute what is derived and insist that it agrees: a document whose
  // file names were edited to point recovery (or the cleanup) elsewhere is
  // refused.
  const auto start = ParseLsn(m.start_lsn);
  const auto stop = ParseLsn(m.stop_lsn);
  if (!start) return Bad("start_lsn is not an LSN");
  if (!stop || *stop < *start) return Bad("stop_lsn is before start_lsn");
  if (!IsWalSegmentName(m.start_wal_file) ||
      !IsWalSegmentName(m.stop_wal_file)) {
    return Bad("start_wal_file and stop_wal_file must be WAL segment names");
  }
  BackupMetadata derived = m;
  SP_RETURN_IF_ERROR(CompleteBackupMetadata(derived));
  if (derived.start_wal_file != m.start_wal_file ||
      derived.stop_wal_file != m.stop_wal_file ||
      derived.timeline != m.timeline) {
    return Bad(
        "start_wal_file, stop_wal_file or timeline do not match the "
        "backup label and LSNs");
  }
  if (m.start_wal_file != SegmentOf(m.timeline, *start, m.wal_segment_size)) {
    return Bad("start_wal_file does not hold start_lsn");
  }
  // The label ends up in a comment of the restored postgresql.auto.conf: a
  // newline there would add settings (recovery_end_command = ...). Ours are
  // "shadowport set {GUID}".
  if (m.label.empty() || m.label.size() > 128 ||
      !std::all_of(m.label.begin(), m.label.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               (c >= '0' && c <= '9') || c == ' ' || c == '{' || c == '}' ||
               c == '-' || c == '_' || c == '.' || c == ':';
      })) {
    return Bad("label must be 1-128 characters of [A-Za-z0-9 {}_.:-]");
  }
  if (!m.data_directory.empty()) {
    Result<std::string> dir = NormalizeAbsolutePath(m.data_directory);
    if (!dir.ok()) return Bad("data_directory: " + dir.status().message());
  }
  SP_RETURN_IF_ERROR(ParseTablespaceMap(m.tablespace_map).status());
  return m;
}

}  // namespace sp::postgres
