// ArrayImpl: hosts and their credentials.
#include "array/array_impl.h"
#include "array/credentials.h"
#include "core/host_name.h"

namespace sp::array {
Result<NewHost> ArrayImpl::AddHost(const Caller& caller,
                                   const std::string& name,
                                   const std::string& cluster) {
  std::lock_guard<std::mutex> lock(mu_);
  SP_RETURN_IF_ERROR(RequireAdmin(caller, "adding a host"));
  if (!IsValidHostName(name)) {
    return Status(Code::kInvalidArg,
                  "host name '" + name.substr(0, 80) +
                      "': want 1-64 characters of [A-Za-z0-9._-]");
  }
  if (!cluster.empty() && !IsValidHostName(cluster)) {
    return Status(Code::kInvalidArg,
                  "cluster name '" + cluster.substr(0, 80) +
                      "': want 1-64 characters of [A-Za-z0-9._-]");
  }
  SP_ASSIGN_OR_RETURN(std::optional<HostRow> existing, db_->GetHost(name));
  if (existing) {
    return Status(Code::kObjectAlreadyExists,
                  "host '" + name + "' is already registered");
  }
  SP_ASSIGN_OR_RETURN(std::string credential, NewCredential());
  SP_ASSIGN_OR_RETURN(Sha256Digest digest, HashCredential(credential));
  HostRow row{name, cluster, std::vector<uint8_t>(digest.begin(), digest.end()),
              NowUs()};
  SP_RETURN_IF_ERROR(db_->InsertHost(row));
  return NewHost{HostInfo{name, cluster, row.created_us},
                 std::move(credential)};
}

Result<std::vector<HostInfo>> ArrayImpl::ListHosts(const Caller& caller) {
  std::lock_guard<std::mutex> lock(mu_);
  SP_RETURN_IF_ERROR(RequireAdmin(caller, "listing hosts"));
  SP_ASSIGN_OR_RETURN(std::vector<HostRow> rows, db_->ListHosts());
  std::vector<HostInfo> out;
  out.reserve(rows.size());
  for (HostRow& r : rows) {
    out.push_back(
        HostInfo{std::move(r.name), std::move(r.cluster), r.created_us});
  }
  return out;
}

Status ArrayImpl::RemoveHost(const Caller& caller, const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  SP_RETURN_IF_ERROR(RequireAdmin(caller, "removing a host"));
  SP_ASSIGN_OR_RETURN(std::optional<HostRow> host, db_->GetHost(name));
  if (!host) return Status(Code::kObjectNotFound, "no host '" + name + "'");
  SP_ASSIGN_OR_RETURN(std::vector<AttachmentRow> attached,
                      db_->AttachmentsOfHost(name));
  if (!attached.empty()) {
    return Status(Code::kVolumeInUse,
                  "host '" + name + "' has " + std::to_string(attached.size()) +
                      " LUN(s) attached (detach them, or ReclaimHost)");
  }
  SP_ASSIGN_OR_RETURN(sql::Transaction txn, db_->Begin());
  // Presentations and mount reports go with the row (ON DELETE CASCADE).
  SP_RETURN_IF_ERROR(db_->RemoveImporterEverywhere(name));
  SP_RETURN_IF_ERROR(db_->DeleteHost(name));
  return txn.Commit();
}

Result<Caller> ArrayImpl::Authenticate(const std::string& host,
                                       const std::string& credential) {
  std::lock_guard<std::mutex> lock(mu_);
  SP_ASSIGN_OR_RETURN(std::optional<HostRow> row, db_->GetHost(host));
  // Hash even for an unknown host, so both refusals take the same time.
  std::vector<uint8_t> stored =
      row ? row->credential_sha256 : std::vector<uint8_t>(32, 0);
  bool match = CredentialMatches(credential, stored);
  if (!row || credential.empty() || !match) {
    Audit("refused: authentication as host '" + host.substr(0, 80) + "'" +
          (credential.empty() ? " without credential" : ""));
    return Status(
        Code::kUnauthenticated,
        "unknown host or wrong credential for '" + host.substr(0, 80) + "'");
  }
  return Caller::Host(host);
}

}  // namespace sp::array
