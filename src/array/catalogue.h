// Catalogue: the array's state in SQLite (<pool_dir>/array.db): hosts, LUNs
// (snapshot LUNs included), snapshot sets and their importers,
// presentations (masking), attachments and read-write mounts.
//
// The connection runs in WAL mode with synchronous=FULL (a committed
// transaction survives a power cut), foreign keys on and a busy timeout.
// The schema is versioned (PRAGMA user_version) and migrated forward on
// open, one transaction per version; a catalogue newer than this program is
// refused (VSS_E_NOT_SUPPORTED). Every query is a cached prepared statement.
//
// This layer knows rows, not rules: authorization, masking and crash safety
// are the Array's (array_impl.h). Lookups answer nullopt for a missing row.
//
// Thread safety: none; the Array holds its mutex around every use.
#ifndef SHADOWPORT_ARRAY_CATALOGUE_H_
#define SHADOWPORT_ARRAY_CATALOGUE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "array/identity.h"
#include "shadowport/guid.h"
#include "shadowport/status.h"
#include "sqlite/sqlite.h"

namespace sp::array {

// A LUN row's life: "creating" (intent recorded, file work under way),
// "ready" (visible), "deleting" (intent to delete; invisible). Only ready
// LUNs are ever shown to callers.
enum class LunState { kCreating, kReady, kDeleting };
// A snapshot set is "creating" until its commit; committed rows are kept
// forever, also when all its LUNs are gone, so a set id is never reused.
enum class SetState { kCreating, kCommitted };

struct LunRow {
  uint64_t id = 0;
  LunState state = LunState::kCreating;
  std::string name;  // identity; empty until SetLunIdentity
  std::string serial;
  std::string naa;
  std::string vendor;
  std::string product;
  std::string revision;
  uint64_t size_bytes = 0;
  int64_t created_us = 0;
  std::optional<Guid> set_id;  // snapshot LUNs only
  uint64_t origin_lun_id = 0;  // 0: none, or the origin was deleted
  std::string origin_naa;
  bool read_only = false;
  uint64_t broken_from = 0;  // a break in progress: the snapshot LUN replaced

  bool is_snapshot() const { return set_id.has_value(); }
};

struct SetRow {
  Guid id;
  SetState state = SetState::kCreating;
  std::string creating_host;  // empty when the admin created it
  int64_t created_us = 0;
  bool transportable = false;
  std::vector<std::string> importers;  // host names and "cluster:NAME"
};

struct HostRow {
  std::string name;
  std::string cluster;
  std::vector<uint8_t> credential_sha256;
  int64_t created_us = 0;
};

struct AttachmentRow {
  uint64_t lun_id = 0;
  std::string host;
  std::string device;
  int64_t since_us = 0;
};

class Catalogue {
 public:
  // Opens or creates the database at `path` and migrates it.
  static Result<std::unique_ptr<Catalogue>> Open(const std::string& path);

  // A write transaction (BEGIN IMMEDIATE).
  Result<sql::Transaction> Begin() {
    return sql::Transaction::Begin(db_.get());
  }

  // The schema version this program writes.
  static int CurrentSchemaVersion();

  Result<std::optional<std::string>> GetMeta(const std::string& key);
  // Inserts unless present; returns the stored value either way.
  Result<std::string> GetOrInsertMeta(const std::string& key,
                                      const std::string& value);

  // Hosts.
  Status InsertHost(const HostRow& host);
  Result<std::optional<HostRow>> GetHost(const std::string& name);
  Result<std::vector<HostRow>> ListHosts();
  Status DeleteHost(const std::string& name);
  Result<bool> ClusterHasHosts(const std::string& cluster);

  // LUNs. InsertLun ignores row.id and returns the new, never reused id.
  Result<uint64_t> InsertLun(const LunRow& row);
  Status SetLunIdentity(uint64_t id, const LunIdentity& identity);
  Result<std::optional<LunRow>> GetLun(uint64_t id);
  Result<std::optional<LunRow>> FindLunByNaa(const std::string& naa);
  // Every row, any state, in id order.
  Result<std::vector<LunRow>> ListLuns();
  Result<std::vector<LunRow>> LunsInState(LunState state);
  Result<std::vector<LunRow>> LunsOfSet(const Guid& set_id);
  Status SetLunState(uint64_t id, LunState state);
  Status SetLunSize(uint64_t id, uint64_t size_bytes);
  Status DeleteLun(uint64_t id);  // cascades to presentations, attachments

  // Snapshot sets, with their importers.
  Status InsertSet(const SetRow& row);
  Result<std::optional<SetRow>> GetSet(const Guid& id);
  Result<std::vector<SetRow>> SetsInState(SetState state);
  Status SetSetState(const Guid& id, SetState state);
  Status DeleteSet(const Guid& id);  // REQUIRES: no LUN row refers to it
  // Removes a host name (not "cluster:" entries) from every importer list.
  Status RemoveImporterEverywhere(const std::string& host);

  // Masking.
  Status AddPresentation(uint64_t lun_id, const std::string& host);
  Status RemovePresentation(uint64_t lun_id, const std::string& host);
  Status RemoveAllPresentations(uint64_t lun_id);
  Status CopyPresentations(uint64_t from_lun_id, uint64_t to_lun_id);
  Result<bool> IsPresented(uint64_t lun_id, const std::string& host);
  Result<std::vector<std::string>> PresentedTo(uint64_t lun_id);

  // Attachments. UpsertAttachment keeps an existing row (and its device).
  Status UpsertAttachment(uint64_t lun_id, const std::string& host,
                          int64_t since_us);
  // False when the host has no attachment of that LUN.
  Result<bool> SetAttachmentDevice(uint64_t lun_id, const std::string& host,
                                   const std::string& device);
  Status RemoveAttachment(uint64_t lun_id, const std::string& host);
  Result<std::vector<AttachmentRow>> AttachmentsOfLun(uint64_t lun_id);
  Result<std::vector<AttachmentRow>> AttachmentsOfHost(const std::string& host);
  Status RemoveAttachmentsOfHost(const std::string& host);

  // Read-write mounts, as hosts report them.
  Status SetRwMount(uint64_t lun_id, const std::string& host, int64_t since_us);
  Status ClearRwMount(uint64_t lun_id, const std::string& host);
  Status ClearRwMountsOfHost(const std::string& host);
  Result<std::vector<std::string>> RwMountersOf(uint64_t lun_id);

  // Counts of ready rows for status reports.
  Result<uint64_t> CountReadyLuns(bool snapshots);
  Result<uint64_t> CountHosts();

 private:
  explicit Catalogue(std::unique_ptr<sql::Database> db) : db_(std::move(db)) {}
  Status Configure();
  Status Migrate();
  Result<std::vector<std::string>> Strings(const std::string& query,
                                           uint64_t lun_id);
  Result<std::vector<LunRow>> LunRows(sql::Statement& stmt);

  std::unique_ptr<sql::Database> db_;
};

}  // namespace sp::array

#endif  // SHADOWPORT_ARRAY_CATALOGUE_H_
