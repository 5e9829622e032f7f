// The SQLite Inventory behind Inventory::Open (private to src/service).
// inventory_schema.cc opens the database and migrates its schema;
// inventory.cc stores and reads the records.
//
// LUN records (SnapshotRecord::luns) are one JSON array per snapshot in
// snapshots.luns_json:
//   [{"provider_lun_id": "...",
//     "source": {LunInformation}, "destination": {LunInformation}}, ...]
// where a LunInformation is an object with the members array_id, lun_id,
// vendor_id, product_id, product_revision, serial_number, unique_id
// (strings) and size_bytes (number). A member missing on read takes its
// default, so fields added later need no schema migration.
//
// Thread safety: every public method takes mu_.
#ifndef SHADOWPORT_SERVICE_INVENTORY_IMPL_H_
#define SHADOWPORT_SERVICE_INVENTORY_IMPL_H_

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "service/inventory.h"
#include "sqlite/sqlite.h"

namespace sp::service {

std::optional<SetState> SetStateFromName(std::string_view name);

class InventoryImpl final : public Inventory {
 public:
  explicit InventoryImpl(std::unique_ptr<sql::Database> db)
      : db_(std::move(db)) {}

  static int CurrentSchemaVersion();
  // Called once by Inventory::Open, before the object is shared.
  Status Configure();
  Status Migrate();

  Status AddSet(const SetRecord& set) override;
  Status UpdateSet(const SetRecord& set) override;
  Status SetState(const Guid& set_id, service::SetState state) override;
  Status RemoveSet(const Guid& set_id) override;
  Status RemoveSnapshot(const Guid& snapshot_id) override;
  Result<SetRecord> GetSet(const Guid& set_id) override;
  Result<SetRecord> FindSnapshot(const Guid& snapshot_id) override;
  Result<std::vector<SetRecord>> ListSets() override;
  Result<std::vector<SetRecord>> ListSetsOfSession(
      const Guid& session_id) override;

 private:
  // REQUIRES: mu_ held (all of these).
  Status InsertSnapshots(const SetRecord& set);
  Result<SetRecord> ReadSet(const Guid& set_id);
  Result<std::vector<SetRecord>> ReadSets(const std::string& where,
                                          const std::string& arg);
  Status ReadSnapshots(SetRecord* set);
  Result<std::optional<Guid>> SetOfSnapshot(const Guid& snapshot_id);

  std::mutex mu_;
  std::unique_ptr<sql::Database> db_;  // GUARDED_BY(mu_)
};

}  // namespace sp::service

#endif  // SHADOWPORT_SERVICE_INVENTORY_IMPL_H_
