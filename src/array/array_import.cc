// ArrayImpl: import (LocateLuns, with the cluster rule) and break.
#include <set>

#include "array/array_impl.h"
#include "array/recovery.h"

namespace sp::array {

Status ArrayImpl::CheckNotImportedElsewhere(const Caller& caller,
                                            const std::vector<LunRow>& luns) {
  std::set<Guid> sets;
  for (const LunRow& lun : luns) {
    if (lun.is_snapshot()) sets.insert(*lun.set_id);
  }
  for (const Guid& set : sets) {
    SP_ASSIGN_OR_RETURN(std::vector<LunRow> members, db_->LunsOfSet(set));
    for (const LunRow& member : members) {
      if (member.state != LunState::kReady) continue;
      SP_ASSIGN_OR_RETURN(std::vector<AttachmentRow> attached,
                          db_->AttachmentsOfLun(member.id));
      for (const AttachmentRow& a : attached) {
        if (a.host == caller.host) continue;
        return Status(Code::kVolumeInUse,
                      "snapshot set " + set.ToString() +
                          " is imported by host '" + a.host + "' (it has " +
                          member.naa +
                          " attached); a set is imported by one host at a "
                          "time");
      }
    }
  }
  return Status::Ok();
}

Result<std::vector<LunInfo>> ArrayImpl::LocateLuns(
    const Caller& caller, const std::vector<std::string>& naa_ids) {
  std::lock_guard<std::mutex> lock(mu_);
  SP_RETURN_IF_ERROR(RequireHost(caller, "locating LUNs"));
  if (naa_ids.empty()) return Status(Code::kInvalidArg, "no LUN to locate");
  SP_ASSIGN_OR_RETURN(std::optional<HostRow> me, db_->GetHost(caller.host));
  const std::string cluster = me ? me->cluster : "";

  // Check everything first: all or nothing.
  std::vector<LunRow> found;
  for (const std::string& naa : naa_ids) {
    if (!IsWellFormedNaa(naa)) {
      return Status(Code::kInvalidArg,
                    "not an NAA-6 id: '" + naa.substr(0, 80) + "'");
    }
    SP_ASSIGN_OR_RETURN(std::optional<LunRow> row,
                        db_->FindLunByNaa(CanonicalNaa(naa)));
    if (!row || row->state != LunState::kReady) return Denied(caller, naa);
    SP_ASSIGN_OR_RETURN(bool presented, db_->IsPresented(row->id, caller.host));
    if (!presented) {
      if (!row->is_snapshot()) return Denied(caller, naa);
      SP_ASSIGN_OR_RETURN(std::optional<SetRow> set, db_->GetSet(*row->set_id));
      if (!set || !set->transportable) return Denied(caller, naa);
      SP_ASSIGN_OR_RETURN(bool importer, IsImporter(*set, caller.host));
      if (!importer) return Denied(caller, naa);
    }
    // Cluster rule: no import while a host of the caller's own cluster has
    // the original mounted read-write.
    if (row->is_snapshot() && row->origin_lun_id != 0 && !cluster.empty()) {
      SP_ASSIGN_OR_RETURN(std::vector<std::string> mounters,
                          db_->RwMountersOf(row->origin_lun_id));
      for (const std::string& m : mounters) {
        SP_ASSIGN_OR_RETURN(std::optional<HostRow> h, db_->GetHost(m));
        if (h && h->cluster == cluster) {
          std::string why = "snapshot LUN " + row->naa;
          why += ": its original " + row->origin_naa;
          why += " is mounted read-write by '" + m + "'";
          why += " of cluster '" + cluster + "'";
          return Status(Code::kImportCollision, std::move(why));
        }
      }
    }
    found.push_back(std::move(*row));
  }
  SP_RETURN_IF_ERROR(CheckNotImportedElsewhere(caller, found));

  {
    SP_ASSIGN_OR_RETURN(sql::Transaction txn, db_->Begin());
    for (const LunRow& lun : found) {
      SP_RETURN_IF_ERROR(db_->AddPresentation(lun.id, caller.host));
    }
    SP_RETURN_IF_ERROR(txn.Commit());
  }
  std::vector<LunInfo> out;
  for (const LunRow& lun : found) {
    SP_ASSIGN_OR_RETURN(LunInfo info, Describe(lun, caller));
    out.push_back(std::move(info));
  }
  return out;
}

Result<LunInfo> ArrayImpl::BreakSnapshot(const Caller& caller, uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  SP_RETURN_IF_ERROR(CheckCaller(caller));
  ExpireAbandonedSets();
  SP_ASSIGN_OR_RETURN(LunRow old, LunFor(caller, id, Need::kUse));
  if (!old.is_snapshot()) {
    return Status(Code::kInvalidArg,
                  "LUN " + std::to_string(id) + " is not a snapshot LUN");
  }
  SP_ASSIGN_OR_RETURN(std::vector<AttachmentRow> attached,
                      db_->AttachmentsOfLun(id));
  if (!attached.empty()) {
    return Status(Code::kVolumeInUse,
                  "snapshot LUN " + std::to_string(id) + " is attached by '" +
                      attached.front().host +
                      "': detach it, break, attach the new LUN");
  }

  // Intent: the new ordinary LUN, "creating", remembering what it replaces.
  LunRow fresh;
  fresh.state = LunState::kCreating;
  fresh.size_bytes = old.size_bytes;
  fresh.created_us = NowUs();
  fresh.read_only = false;
  fresh.broken_from = old.id;
  uint64_t new_id = 0;
  {
    SP_ASSIGN_OR_RETURN(sql::Transaction txn, db_->Begin());
    SP_ASSIGN_OR_RETURN(new_id, InsertLun(fresh));
    SP_RETURN_IF_ERROR(txn.Commit());
  }
  faults_.MaybeCrash("break.after-intent");

  // A new file for the new identity: a reflink, no data copied.
  Status cloned = fs_->Clone(LunPath(old.id), LunPath(new_id));
  if (!cloned.ok()) {
    if (RemoveIfPresent(fs_, LunPath(new_id)).ok()) {
      (void)db_->DeleteLun(new_id);
    }
    return std::move(cloned).WithContext("breaking snapshot LUN " +
                                         std::to_string(id));
  }
  faults_.MaybeCrash("break.after-clone");

  // Commit: the new LUN takes the presentations, the old one goes.
  {
    SP_ASSIGN_OR_RETURN(sql::Transaction txn, db_->Begin());
    SP_RETURN_IF_ERROR(db_->SetLunState(new_id, LunState::kReady));
    SP_RETURN_IF_ERROR(db_->CopyPresentations(old.id, new_id));
    SP_RETURN_IF_ERROR(db_->SetLunState(old.id, LunState::kDeleting));
    SP_RETURN_IF_ERROR(db_->RemoveAllPresentations(old.id));
    SP_RETURN_IF_ERROR(txn.Commit());
  }
  faults_.MaybeCrash("break.after-commit");
  Status removed = FinishDeletion({old});
  if (!removed.ok()) {
    // The break happened; the old file goes at the next Open.
    Audit("break of LUN " + std::to_string(id) +
          ": old file left for recovery: " + removed.ToString());
  }
  SP_ASSIGN_OR_RETURN(std::optional<LunRow> row, db_->GetLun(new_id));
  if (!row) return Status(Code::kInternal, "broken LUN row vanished");
  return Describe(*row, caller);
}

}  // namespace sp::array
