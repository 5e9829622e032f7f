// Test volumes for the root tests of volume probing and freezing: a
// filesystem made on a sparse image in a test's directory, attached to a
// loop device and mounted there; and the fixture that owns that directory
// and reports (then releases) any mount or loop device a test left behind.
//
// Release order, also when an assertion fails: thaw (a frozen filesystem
// cannot be unmounted cleanly), unmount, detach exactly this loop device.
#ifndef SHADOWPORT_TESTS_INTEGRATION_LOOP_VOLUME_H_
#define SHADOWPORT_TESTS_INTEGRATION_LOOP_VOLUME_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "os/loop_device.h"
#include "os/mounts.h"
#include "shadowport/status.h"

namespace sp::os {

class LoopVolume {
 public:
  // Makes `dir`/NAME.img (`size_mib`, sparse), mkfs.`fs_type` on it,
  // attaches it read-write and mounts it at `dir`/NAME.
  static Result<std::unique_ptr<LoopVolume>> Create(const std::string& dir,
                                                    const std::string& name,
                                                    const std::string& fs_type,
                                                    uint64_t size_mib);
  ~LoopVolume();
  LoopVolume(const LoopVolume&) = delete;
  LoopVolume& operator=(const LoopVolume&) = delete;

  const std::string& image() const { return image_; }
  const std::string& device() const { return loop_.path(); }
  const std::string& mount_point() const { return mount_.target(); }

 private:
  LoopVolume() = default;

  std::string image_;
  ScopedLoopDevice loop_;  // declared before mount_: released after it
  ScopedMount mount_;
};

// Owns a mkdtemp directory under /tmp; TearDown thaws, unmounts and
// detaches whatever a test left under it (reporting each as a failure).
class LoopVolumeTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  std::string dir_;
};

// Mount points under `dir`, deepest first.
std::vector<std::string> MountsUnder(const std::string& dir);
// Loop devices whose backing file lies under `dir`.
std::vector<std::string> LoopsUnder(const std::string& dir);

}  // namespace sp::os

#endif  // SHADOWPORT_TESTS_INTEGRATION_LOOP_VOLUME_H_
