#include "array/cli/output.h"

#include <algorithm>
#include <charconv>
#include <string_view>
#include <system_error>

#include "array/rpc/size_text.h"
#include "shadowport/encoding.h"

namespace sp::array::cli {

using nlohmann::json;

json LunJson(const LunInfo& lun) {
  json attachments = json::array();
  for (const Attachment& a : lun.attachments) {
    attachments.push_back({{"host", a.host},
                           {"device", a.device},
                           {"since", FormatUtcTimestamp(a.since_us)}});
  }
  json out = {
      {"id", lun.id},
      {"name", lun.name},
      {"serial", lun.serial},
      {"naa", lun.naa},
      {"vendor", lun.vendor},
      {"product", lun.product},
      {"revision", lun.revision},
      {"size_bytes", lun.size_bytes},
      {"created", FormatUtcTimestamp(lun.created_us)},
      {"read_only", lun.read_only},
      {"presented_to", lun.presented_to},
      {"attachments", attachments},
      {"mounted_read_write_by", lun.mounted_read_write_by},
      {"is_snapshot", lun.is_snapshot},
  };
  if (lun.is_snapshot) {
    out["origin_lun_id"] = lun.origin_lun_id;
    out["origin_naa"] = lun.origin_naa;
    out["snapshot_set_id"] = lun.snapshot_set_id.ToString();
    out["creating_host"] = lun.creating_host;
    out["transportable"] = lun.transportable;
    out["importers"] = lun.importers;
  }
  return out;
}

json HostJson(const HostInfo& host) {
  return {{"name", host.name},
          {"cluster", host.cluster},
          {"created", FormatUtcTimestamp(host.created_us)}};
}

json PoolStatusJson(const PoolStatus& status) {
  return {{"pool_dir", status.pool_dir},
          {"array_id", status.array_id},
          {"total_bytes", status.space.total_bytes},
          {"free_bytes", status.space.free_bytes},
          {"free_space_floor_bytes", status.free_space_floor_bytes},
          {"lun_count", status.lun_count},
          {"snapshot_count", status.snapshot_count},
          {"host_count", status.host_count}};
}

std::string Table(const std::vector<std::vector<std::string>>& rows) {
  if (rows.size() <= 1) return "";
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    out += line;
    out += '\n';
  }
  return out;
}

std::string JoinOrDash(const std::vector<std::string>& items) {
  if (items.empty()) return "-";
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ',';
    out += item;
  }
  return out;
}

Status PrintJson(std::ostream& out, const json& value) {
  out << value.dump(2, ' ', false, json::error_handler_t::replace) << '\n';
  return Finish(out);
}

Status Finish(std::ostream& out) {
  out.flush();
  if (!out) return Status(Code::kIoError, "writing the output failed");
  return Status::Ok();
}

Result<uint64_t> ParseLunId(const std::string& text) {
  std::string_view digits = text;
  if (digits.starts_with("lun-")) digits.remove_prefix(4);
  uint64_t id = 0;
  auto [end, err] =
      std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (digits.empty() || err != std::errc() ||
      end != digits.data() + digits.size() || id == 0) {
    return Status(Code::kInvalidArg,
                  "\"" + text + "\" is not a LUN id (7) or name (lun-000007)");
  }
  return id;
}

}  // namespace sp::array::cli
