#include "unit/array_fixture.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>

#include "array/catalogue.h"
#include "array/identity.h"

namespace sp::array {

void ArrayTest::SetUp() {
  std::string tmpl =
      (std::filesystem::temp_directory_path() / "sp_array_test.XXXXXX")
          .string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  pool_ = tmpl;
  Open();
}

void ArrayTest::TearDown() {
  array_.reset();
  std::error_code ec;
  std::filesystem::remove_all(pool_, ec);
}

ArrayOptions ArrayTest::Options() {
  ArrayOptions o;
  o.pool_dir = pool_;
  o.audit = [this](std::string_view line) { audit_.emplace_back(line); };
  return o;
}

void ArrayTest::Open() {
  Result<std::unique_ptr<Array>> a = Array::Open(Options(), &fs_);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  array_ = std::move(a).value();
}

std::string ArrayTest::AddHost(const std::string& name,
                               const std::string& cluster) {
  Result<NewHost> h = array_->AddHost(admin_, name, cluster);
  EXPECT_TRUE(h.ok()) << h.status().ToString();
  return h.ok() ? h->credential : "";
}

uint64_t ArrayTest::NewLun(uint64_t size) {
  Result<LunInfo> lun = array_->CreateLun(admin_, size);
  EXPECT_TRUE(lun.ok()) << lun.status().ToString();
  return lun.ok() ? lun->id : 0;
}

uint64_t ArrayTest::NewLunFor(const std::string& host, uint64_t size) {
  uint64_t id = NewLun(size);
  Status s = array_->Present(admin_, id, host);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return id;
}

std::string ArrayTest::LunPath(uint64_t id) const {
  return luns_dir() + "/" + LunFileName(id);
}

std::set<std::string> ArrayTest::PoolFiles() const {
  std::set<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(luns_dir())) {
    out.insert(e.path().filename().string());
  }
  return out;
}

std::set<std::string> ArrayTest::CatalogueFiles() {
  std::set<std::string> out;
  Result<std::vector<LunInfo>> luns = array_->ListLuns(admin_);
  EXPECT_TRUE(luns.ok()) << luns.status().ToString();
  Result<std::vector<LunInfo>> snaps =
      array_->ListSnapshots(admin_, std::nullopt);
  EXPECT_TRUE(snaps.ok()) << snaps.status().ToString();
  if (luns.ok()) {
    for (const LunInfo& l : *luns) out.insert(LunFileName(l.id));
  }
  if (snaps.ok()) {
    for (const LunInfo& l : *snaps) out.insert(LunFileName(l.id));
  }
  return out;
}

void ArrayTest::WriteLun(uint64_t id, const std::string& data,
                         uint64_t offset) {
  int fd = ::open(LunPath(id).c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset)),
            static_cast<ssize_t>(data.size()));
  ::close(fd);
}

std::string ArrayTest::ReadLun(uint64_t id, size_t size,
                               uint64_t offset) const {
  std::string out(size, '\0');
  int fd = ::open(LunPath(id).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  ssize_t n = ::pread(fd, out.data(), size, static_cast<off_t>(offset));
  ::close(fd);
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

void ArrayTest::ExpectNoIntentRows() {
  Result<std::unique_ptr<Catalogue>> db = Catalogue::Open(pool_ + "/array.db");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  for (LunState state : {LunState::kCreating, LunState::kDeleting}) {
    Result<std::vector<LunRow>> rows = (*db)->LunsInState(state);
    ASSERT_TRUE(rows.ok());
    EXPECT_TRUE(rows->empty())
        << rows->size() << " rows in state " << static_cast<int>(state);
  }
  Result<std::vector<SetRow>> sets = (*db)->SetsInState(SetState::kCreating);
  ASSERT_TRUE(sets.ok());
  EXPECT_TRUE(sets->empty());
}

}  // namespace sp::array
