// Catalogue: hosts, presentations (masking), attachments, read-write mounts.
#include "array/catalogue.h"

namespace sp::array {

// ---- hosts ----

Status Catalogue::InsertHost(const HostRow& host) {
  SP_ASSIGN_OR_RETURN(
      sql::Statement q,
      db_->Prepare("INSERT INTO hosts(name, cluster, credential_sha256, "
                   "created_us) VALUES (?, ?, ?, ?)"));
  q.BindText(host.name)
      .BindText(host.cluster)
      .BindBlob(host.credential_sha256)
      .BindInt(host.created_us);
  return q.Run();
}

Result<std::optional<HostRow>> Catalogue::GetHost(const std::string& name) {
  SP_ASSIGN_OR_RETURN(
      sql::Statement q,
      db_->Prepare("SELECT name, cluster, credential_sha256, created_us "
                   "FROM hosts WHERE name = ?"));
  q.BindText(name);
  SP_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<HostRow>();
  return std::optional<HostRow>(
      HostRow{q.Text(0), q.Text(1), q.Blob(2), q.Int(3)});
}

Result<std::vector<HostRow>> Catalogue::ListHosts() {
  SP_ASSIGN_OR_RETURN(
      sql::Statement q,
      db_->Prepare("SELECT name, cluster, credential_sha256, created_us "
                   "FROM hosts ORDER BY name"));
  std::vector<HostRow> hosts;
  while (true) {
    SP_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return hosts;
    hosts.push_back(HostRow{q.Text(0), q.Text(1), q.Blob(2), q.Int(3)});
  }
}

Status Catalogue::DeleteHost(const std::string& name) {
  SP_ASSIGN_OR_RETURN(sql::Statement q,
                      db_->Prepare("DELETE FROM hosts WHERE name = ?"));
  q.BindText(name);
  return q.Run();
}

Result<bool> Catalogue::ClusterHasHosts(const std::string& cluster) {
  SP_ASSIGN_OR_RETURN(
      sql::Statement q,
      db_->Prepare("SELECT 1 FROM hosts WHERE cluster = ? LIMIT 1"));
  q.BindText(cluster);
  return q.Step();
}

// ---- helpers ----

Result<std::vector<std::string>> Catalogue::Strings(const std::string& query,
                                                    uint64_t lun_id) {
  SP_ASSIGN_OR_RETURN(sql::Statement q, db_->Prepare(query));
  q.BindInt(static_cast<int64_t>(lun_id));
  std::vector<std::string> out;
  while (true) {
    SP_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out.push_back(q.Text(0));
  }
}

// ---- presentations ----

Status Catalogue::AddPresentation(uint64_t lun_id, const std::string& host) {
  SP_ASSIGN_OR_RETURN(
      sql::Statement q,
      db_->Prepare("INSERT OR IGNORE INTO presentations(lun_id, host) "
                   "VALUES (?, ?)"));
  q.BindInt(static_cast<int64_t>(lun_id)).BindText(host);
  return q.Run();
}

Status Catalogue::RemovePresentation(uint64_t lun_id, const std::string& host) {
  SP_ASSIGN_OR_RETURN(
      sql::Statement q,
      db_->Prepare("DELETE FROM presentations WHERE lun_id = ? AND host = ?"));
  q.BindInt(static_cast<int64_t>(lun_id)).BindText(host);
  return q.Run();
}

Status Catalogue::RemoveAllPresentations(uint64_t lun_id) {
  SP_ASSIGN_OR_RETURN(
      sql::Statement q,
      db_->Prepare("DELETE FROM presentations WHERE lun_id = ?"));
  q.BindInt(static_cast<int64_t>(lun_id));
  return q.Run();
}

Status Catalogue::CopyPresentations(uint64_t from_lun_id, uint64_t to_lun_id) {
  SP_ASSIGN_OR_RETURN(
      sql::Statement q,
      db_->Prepare("INSERT OR IGNORE INTO presentations(lun_id, host) "
                   "SELECT ?, host FROM presentations WHERE lun_id = ?"));
  q.BindInt(static_cast<int64_t>(to_lun_id))
      .BindInt(static_cast<int64_t>(from_lun_id));
  return q.Run();
}

Result<bool> Catalogue::IsPresented(uint64_t lun_id, const std::string& host) {
  SP_ASSIGN_OR_RETURN(
      sql::Statement q,
      db_->Prepare(
          "SELECT 1 FROM presentations WHERE lun_id = ? AND host = ?"));
  q.BindInt(static_cast<int64_t>(lun_id)).BindText(host);
  return q.Step();
}

Result<std::vector<std::string>> Catalogue::PresentedTo(uint64_t lun_id) {
  return Strings(
      "SELECT host FROM presentations WHERE lun_id = ? ORDER BY host", lun_id);
}

// ---- attachments ----

Status Catalogue::UpsertAttachment(uint64_t lun_id, const std::string& host,
                                   int64_t since_us) {
  SP_ASSIGN_OR_RETURN(
      sql::Statement q,
      db_->Prepare("INSERT OR IGNORE INTO attachments(lun_id, host, device, "
                   "since_us) VALUES (?, ?, '', ?)"));
  q.BindInt(static_cast<int64_t>(lun_id)).BindText(host).BindInt(since_us);
  return q.Run();
}

Result<bool> Catalogue::SetAttachmentDevice(uint64_t lun_id,
                                            const std::string& host,
                                            const std::string& device) {
  {
    SP_ASSIGN_OR_RETURN(sql::Statement q,
                        db_->Prepare("UPDATE attachments SET device = ? "
                                     "WHERE lun_id = ? AND host = ?"));
    q.BindText(device).BindInt(static_cast<int64_t>(lun_id)).BindText(host);
    SP_RETURN_IF_ERROR(q.Run());
  }
  return db_->Changes() > 0;
}

Status Catalogue::RemoveAttachment(uint64_t lun_id, const std::string& host) {
  SP_ASSIGN_OR_RETURN(
      sql::Statement q,
      db_->Prepare("DELETE FROM attachments WHERE lun_id = ? AND host = ?"));
  q.BindInt(static_cast<int64_t>(lun_id)).BindText(host);
  return q.Run();
}

namespace {

Result<std::vector<AttachmentRow>> AttachmentRows(sql::Statement& q) {
  std::vector<AttachmentRow> out;
  while (true) {
    SP_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out.push_back(AttachmentRow{q.UInt(0), q.Text(1), q.Text(2), q.Int(3)});
  }
}

}  // namespace

Result<std::vector<AttachmentRow>> Catalogue::AttachmentsOfLun(
    uint64_t lun_id) {
  SP_ASSIGN_OR_RETURN(
      sql::Statement q,
      db_->Prepare("SELECT lun_id, host, device, since_us FROM attachments "
                   "WHERE lun_id = ? ORDER BY host"));
  q.BindInt(static_cast<int64_t>(lun_id));
  return AttachmentRows(q);
}

Result<std::vector<AttachmentRow>> Catalogue::AttachmentsOfHost(
    const std::string& host) {
  SP_ASSIGN_OR_RETURN(
      sql::Statement q,
      db_->Prepare("SELECT lun_id, host, device, since_us FROM attachments "
                   "WHERE host = ? ORDER BY lun_id"));
  q.BindText(host);
  return AttachmentRows(q);
}

Status Catalogue::RemoveAttachmentsOfHost(const std::string& host) {
  SP_ASSIGN_OR_RETURN(sql::Statement q,
                      db_->Prepare("DELETE FROM attachments WHERE host = ?"));
  q.BindText(host);
  return q.Run();
}

// ---- read-write mounts ----

Status Catalogue::SetRwMount(uint64_t lun_id, const std::string& host,
                             int64_t since_us) {
  SP_ASSIGN_OR_RETURN(
      sql::Statement q,
      db_->Prepare("INSERT OR IGNORE INTO rw_mounts(lun_id, host, since_us) "
                   "VALUES (?, ?, ?)"));
  q.BindInt(static_cast<int64_t>(lun_id)).BindText(host).BindInt(since_us);
  return q.Run();
}

Status Catalogue::ClearRwMount(uint64_t lun_id, const std::string& host) {
  SP_ASSIGN_OR_RETURN(
      sql::Statement q,
      db_->Prepare("DELETE FROM rw_mounts WHERE lun_id = ? AND host = ?"));
  q.BindInt(static_cast<int64_t>(lun_id)).BindText(host);
  return q.Run();
}

Status Catalogue::ClearRwMountsOfHost(const std::string& host) {
  SP_ASSIGN_OR_RETURN(sql::Statement q,
                      db_->Prepare("DELETE FROM rw_mounts WHERE host = ?"));
  q.BindText(host);
  return q.Run();
}

Result<std::vector<std::string>> Catalogue::RwMountersOf(uint64_t lun_id) {
  return Strings("SELECT host FROM rw_mounts WHERE lun_id = ? ORDER BY host",
                 lun_id);
}

}  // namespace sp::array
