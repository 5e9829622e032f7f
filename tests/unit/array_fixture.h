// ArrayTest: a fixture for the embedded array's unit tests: a fresh pool in
// a temporary directory, a FakePoolFilesystem, and helpers to open, close
// and reopen the Array and to look at the pool's files and catalogue rows.
#ifndef SHADOWPORT_TESTS_UNIT_ARRAY_FIXTURE_H_
#define SHADOWPORT_TESTS_UNIT_ARRAY_FIXTURE_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "array/array.h"
#include "support/fake_pool_filesystem.h"

namespace sp::array {

inline constexpr uint64_t kMiB = 1ull << 20;

#define SP_ASSERT_OK(expr)                                        \
  do {                                                            \
    const ::sp::Status& sp_s_ = (expr);                           \
    ASSERT_TRUE(sp_s_.ok()) << #expr << ": " << sp_s_.ToString(); \
  } while (0)
#define SP_EXPECT_CODE(expr, want)                      \
  do {                                                  \
    const auto& sp_r_ = (expr);                         \
    EXPECT_EQ(StatusOf(sp_r_).code(), ::sp::Code::want) \
        << #expr << ": " << StatusOf(sp_r_).ToString(); \
  } while (0)

inline const Status& StatusOf(const Status& s) { return s; }
template <typename T>
const Status& StatusOf(const Result<T>& r) {
  return r.status();
}

class ArrayTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Options for this pool (no crash point, the default free-space floor).
  ArrayOptions Options();
  // Opens array_ with Options(); fails the test if it cannot.
  void Open();
  void Close() { array_.reset(); }
  void Reopen() {
    Close();
    Open();
  }

  Array& array() { return *array_; }
  const Caller admin_ = Caller::Admin();

  // Registers a host; returns its credential.
  std::string AddHost(const std::string& name, const std::string& cluster = "");
  // Creates a LUN of `size` bytes; returns its id.
  uint64_t NewLun(uint64_t size = kMiB);
  // Creates a LUN and presents it to `host`.
  uint64_t NewLunFor(const std::string& host, uint64_t size = kMiB);

  std::string luns_dir() const { return pool_ + "/luns"; }
  std::string LunPath(uint64_t id) const;
  // Names of the files in luns/.
  std::set<std::string> PoolFiles() const;
  // The file names of every LUN and snapshot LUN the admin can list.
  std::set<std::string> CatalogueFiles();
  // Writes `data` at `offset` of LUN `id`'s file.
  void WriteLun(uint64_t id, const std::string& data, uint64_t offset = 0);
  std::string ReadLun(uint64_t id, size_t size, uint64_t offset = 0) const;

  // With the array closed: opens the catalogue directly and expects no row
  // in a "creating" or "deleting" state and no set still "creating".
  void ExpectNoIntentRows();

  std::string pool_;
  fakes::FakePoolFilesystem fs_;
  std::unique_ptr<Array> array_;
  std::vector<std::string> audit_;  // lines from ArrayOptions::audit
};

}  // namespace sp::array

#endif  // SHADOWPORT_TESTS_UNIT_ARRAY_FIXTURE_H_
