#include "array/recovery.h"

#include <set>

#include "array/identity.h"

namespace sp::array {
Status RemoveIfPresent(os::PoolFilesystem* fs, const std::string& path) {
  Status s = fs->Remove(path);
  if (s.ok() || s.code() == Code::kObjectNotFound) return Status::Ok();
  return s;
}

namespace {

class Recovery {
 public:
  Recovery(Catalogue* db, os::PoolFilesystem* fs, std::string luns_dir,
           RecoveryReport* report)
      : db_(db), fs_(fs), luns_dir_(std::move(luns_dir)), report_(report) {}

  Status Run() {
    SP_RETURN_IF_ERROR(UndoCreatingSets());
    SP_RETURN_IF_ERROR(UndoCreatingLuns());
    SP_RETURN_IF_ERROR(FinishDeletions());
    SP_RETURN_IF_ERROR(CheckReadyLuns());
    return RemoveOrphans();
  }

 private:
  std::string Path(uint64_t id) const {
    return luns_dir_ + "/" + LunFileName(id);
  }

  Status RemoveRows(const std::vector<LunRow>& rows) {
    SP_ASSIGN_OR_RETURN(sql::Transaction txn, db_->Begin());
    for (const LunRow& row : rows) SP_RETURN_IF_ERROR(db_->DeleteLun(row.id));
    return txn.Commit();
  }

  Status UndoCreatingSets() {
    SP_ASSIGN_OR_RETURN(std::vector<SetRow> sets,
                        db_->SetsInState(SetState::kCreating));
    for (const SetRow& set : sets) {
      SP_ASSIGN_OR_RETURN(std::vector<LunRow> luns, db_->LunsOfSet(set.id));
      for (const LunRow& lun : luns) {
        SP_RETURN_IF_ERROR(RemoveIfPresent(fs_, Path(lun.id)));
      }
      SP_ASSIGN_OR_RETURN(sql::Transaction txn, db_->Begin());
      for (const LunRow& lun : luns) {
        SP_RETURN_IF_ERROR(db_->DeleteLun(lun.id));
      }
      SP_RETURN_IF_ERROR(db_->DeleteSet(set.id));
      SP_RETURN_IF_ERROR(txn.Commit());
      report_->undone_sets++;
      report_->undone_set_ids.push_back(set.id);
      report_->undone_luns += static_cast<int>(luns.size());
      report_->log.push_back("undid half-made snapshot set " +
                             set.id.ToString() + " (" +
                             std::to_string(luns.size()) + " LUNs)");
    }
    return Status::Ok();
  }

  Status UndoCreatingLuns() {
    SP_ASSIGN_OR_RETURN(std::vector<LunRow> luns,
                        db_->LunsInState(LunState::kCreating));
    for (const LunRow& lun : luns) {
      SP_RETURN_IF_ERROR(RemoveIfPresent(fs_, Path(lun.id)));
      report_->log.push_back(
          "undid half-made LUN " + std::to_string(lun.id) +
          (lun.broken_from != 0
               ? " (break of " + std::to_string(lun.broken_from) + ")"
               : ""));
    }
    report_->undone_luns += static_cast<int>(luns.size());
    return RemoveRows(luns);
  }

  Status FinishDeletions() {
    SP_ASSIGN_OR_RETURN(std::vector<LunRow> luns,
                        db_->LunsInState(LunState::kDeleting));
    for (const LunRow& lun : luns) {
      SP_RETURN_IF_ERROR(RemoveIfPresent(fs_, Path(lun.id)));
      report_->log.push_back("finished deleting LUN " + std::to_string(lun.id));
    }
    report_->finished_deletions += static_cast<int>(luns.size());
    return RemoveRows(luns);
  }

  Status CheckReadyLuns() {
    SP_ASSIGN_OR_RETURN(std::vector<LunRow> luns,
                        db_->LunsInState(LunState::kReady));
    for (const LunRow& lun : luns) {
      known_.insert(LunFileName(lun.id));
      Result<uint64_t> size = fs_->FileSize(Path(lun.id));
      if (!size.ok()) {
        report_->log.push_back("LUN " + std::to_string(lun.id) +
                               ": file unusable: " + size.status().ToString());
        continue;
      }
      if (*size > lun.size_bytes) {
        SP_RETURN_IF_ERROR(db_->SetLunSize(lun.id, *size));
        report_->finished_resizes++;
        report_->log.push_back("finished resizing LUN " +
                               std::to_string(lun.id) + " to " +
                               std::to_string(*size) + " bytes");
      } else if (*size < lun.size_bytes) {
        report_->log.push_back("LUN " + std::to_string(lun.id) + ": file has " +
                               std::to_string(*size) + " bytes, catalogue " +
                               std::to_string(lun.size_bytes));
      }
    }
    return Status::Ok();
  }

  Status RemoveOrphans() {
    SP_ASSIGN_OR_RETURN(std::vector<std::string> files,
                        fs_->ListFiles(luns_dir_));
    for (const std::string& name : files) {
      if (known_.count(name) != 0) continue;
      SP_RETURN_IF_ERROR(RemoveIfPresent(fs_, luns_dir_ + "/" + name));
      report_->removed_orphans++;
      report_->log.push_back("removed unknown file luns/" + name);
    }
    return Status::Ok();
  }

  Catalogue* db_;
  os::PoolFilesystem* fs_;
  std::string luns_dir_;
  RecoveryReport* report_;
  std::set<std::string> known_;  // file names of ready LUNs
};

}  // namespace

Status RecoverPool(Catalogue* db, os::PoolFilesystem* fs,
                   const std::string& luns_dir, RecoveryReport* report) {
  return Recovery(db, fs, luns_dir, report).Run();
}

}  // namespace sp::array
