#include "os/filesystem_identity.h"

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string_view>
#include <vector>

#include "os/mounts.h"
#include "os/process.h"
#include "os/volume_probe.h"

namespace sp::os {
namespace {

// Checking or relabelling a large filesystem takes a while, but a tool that
// hangs must not hold the break (and the service's import lock) forever.
constexpr std::chrono::minutes kToolTimeout{30};

bool IsExt(const std::string& fs_type) {
  return fs_type == "ext2" || fs_type == "ext3" || fs_type == "ext4";
}

bool Contains(std::string_view text, std::string_view word) {
  return text.find(word) != std::string_view::npos;
}

// Whether xfs_admin/xfs_db refused because the log needs replaying: "ERROR:
// The filesystem has valuable metadata changes in a log which needs to be
// replayed. Mount the filesystem to replay the log ..." (xfs_admin 6.1
// exits 0 all the same, so the text decides).
bool LogNeedsReplay(const ProcessResult& r) {
  const std::string said = r.out + r.err;
  return Contains(said, "log") && Contains(said, "replay");
}

// Replays the XFS log of `device` the only safe way, by mounting it (nouuid:
// its origin may be mounted) on a private temporary directory and
// unmounting it cleanly.
Status ReplayXfsLog(const std::string& device) {
  std::string dir = "/tmp/shadowport-xfs-replay.XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) {
    return FromErrno(errno, "creating a directory to replay the XFS log");
  }
  MountOptions options;
  options.no_suid = true;
  options.no_dev = true;
  options.no_exec = true;
  options.data = "nouuid";
  Status status = Mount(device, dir, "xfs", options);
  if (status.ok()) {
    status = Unmount(dir);
  } else {
    status = Status(Code::kBadState,
                    "the XFS log on " + device +
                        " needs replaying and mounting it to replay the log "
                        "failed (" +
                        status.ToString() +
                        "); shadowport does not zero a log (xfs_repair -L "
                        "loses its changes): look at the filesystem");
  }
  ::rmdir(dir.c_str());
  return status;
}

Status RenewXfs(const std::string& device) {
  const std::vector<std::string> argv = {"xfs_admin", "-U", "generate", device};
  RunOptions options;
  options.timeout = kToolTimeout;
  SP_ASSIGN_OR_RETURN(ProcessResult r, RunProcess(argv, options));
  if (LogNeedsReplay(r)) {
    // The usual case for a snapshot: freezing quiesces (covers) the log but
    // writes no unmount record, so xfs_db calls it dirty. Replaying finds
    // nothing to do then; for a crash-consistent copy it applies the log.
    SP_RETURN_IF_ERROR(ReplayXfsLog(device));
    SP_ASSIGN_OR_RETURN(r, RunProcess(argv, options));
    if (LogNeedsReplay(r)) {
      return Status(Code::kBadState, "the XFS log on " + device +
                                         " still needs replaying after a "
                                         "mount and unmount");
    }
  }
  return CheckExitStatus(argv, r);
}

Status RenewExt(const std::string& device) {
  RunOptions options;
  options.timeout = kToolTimeout;
  // tune2fs -U wants a freshly checked filesystem (and rewrites every
  // checksum with metadata_csum); e2fsck also replays the journal.
  const std::vector<std::string> fsck = {"e2fsck", "-f", "-y", device};
  SP_ASSIGN_OR_RETURN(ProcessResult checked, RunProcess(fsck, options));
  // 0: clean; 1: errors corrected. 2 (reboot: a mounted root) and 4 and up
  // (uncorrected errors, usage, cancelled) are failures.
  if (checked.signal != 0 ||
      (checked.exit_code != 0 && checked.exit_code != 1)) {
    return CheckExitStatus(fsck, checked);
  }
  const std::vector<std::string> tune = {"tune2fs", "-U", "random", device};
  return RunProcessChecked(tune, options).status();
}

}  // namespace

bool CanRenewFilesystemIdentity(const std::string& fs_type) {
  return fs_type == "xfs" || IsExt(fs_type);
}

Result<std::string> NewFilesystemIdentity(const std::string& device,
                                          const std::string& fs_type) {
  if (!CanRenewFilesystemIdentity(fs_type)) {
    return Status(Code::kVolumeNotSupported,
                  "shadowport cannot give a " +
                      (fs_type.empty() ? std::string("unknown") : fs_type) +
                      " filesystem a new identity (xfs and ext2/3/4 only)");
  }
  SP_ASSIGN_OR_RETURN(std::string before, FilesystemUuid(device));
  Status renewed = fs_type == "xfs" ? RenewXfs(device) : RenewExt(device);
  if (!renewed.ok()) {
    return std::move(renewed).WithContext("new identity for " + fs_type +
                                          " on " + device);
  }
  SP_ASSIGN_OR_RETURN(std::string after, FilesystemUuid(device));
  if (after.empty() || after == before) {
    return Status(Code::kIoError, "the " + fs_type + " filesystem on " +
                                      device + " still has UUID '" + after +
                                      "' after the tools ran");
  }
  return after;
}

}  // namespace sp::os
