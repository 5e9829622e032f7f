// The embedded array: hosts, credentials, authentication.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "unit/array_fixture.h"

namespace sp::array {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_F(ArrayTest, AddHostGivesAWorkingCredential) {
  Result<NewHost> h = array().AddHost(admin_, "backup1", "c1");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->host.name, "backup1");
  EXPECT_EQ(h->host.cluster, "c1");
  EXPECT_EQ(h->credential.size(), 64u);

  Result<Caller> c = array().Authenticate("backup1", h->credential);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->host, "backup1");
  EXPECT_FALSE(c->admin);

  Result<NewHost> other = array().AddHost(admin_, "backup2", "");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->credential, h->credential);

  Result<std::vector<HostInfo>> hosts = array().ListHosts(admin_);
  ASSERT_TRUE(hosts.ok());
  ASSERT_EQ(hosts->size(), 2u);
  EXPECT_EQ((*hosts)[0].name, "backup1");
  EXPECT_EQ((*hosts)[1].cluster, "");
}

TEST_F(ArrayTest, WrongOrMissingCredentialIsRefusedAndLogged) {
  std::string cred = AddHost("prod1");
  audit_.clear();
  std::string wrong = cred;
  wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
  SP_EXPECT_CODE(array().Authenticate("prod1", wrong), kUnauthenticated);
  SP_EXPECT_CODE(array().Authenticate("prod1", ""), kUnauthenticated);
  SP_EXPECT_CODE(array().Authenticate("nobody", cred), kUnauthenticated);
  // Another host's credential does not work for this one.
  std::string cred2 = AddHost("prod2");
  SP_EXPECT_CODE(array().Authenticate("prod1", cred2), kUnauthenticated);
  EXPECT_EQ(audit_.size(), 4u);

  // Unknown and wrong look the same.
  EXPECT_EQ(array()
                .Authenticate("nobody", "x")
                .status()
                .message()
                .find("not registered"),
            std::string::npos);

  // A call as an unregistered host, or as nobody, is refused.
  audit_.clear();
  SP_EXPECT_CODE(array().ListLuns(Caller::Host("ghost")), kUnauthenticated);
  SP_EXPECT_CODE(array().ListLuns(Caller{}), kUnauthenticated);
  EXPECT_EQ(audit_.size(), 2u);
}

TEST_F(ArrayTest, CatalogueHoldsNoPlaintextCredential) {
  std::string cred = AddHost("prod1");
  ASSERT_EQ(cred.size(), 64u);
  std::string all = Slurp(pool_ + "/array.db") + Slurp(pool_ + "/array.db-wal");
  EXPECT_NE(all.find("prod1"), std::string::npos);  // the file is readable
  EXPECT_EQ(all.find(cred), std::string::npos);
  EXPECT_EQ(all.find(cred.substr(0, 16)), std::string::npos);
  Close();
  all = Slurp(pool_ + "/array.db") + Slurp(pool_ + "/array.db-wal");
  EXPECT_EQ(all.find(cred.substr(0, 16)), std::string::npos);
  Open();
  EXPECT_TRUE(array().Authenticate("prod1", cred).ok());  // survives reopen
}

TEST_F(ArrayTest, HostNamesAreCheckedAndUnique) {
  AddHost("prod1");
  SP_EXPECT_CODE(array().AddHost(admin_, "prod1", ""), kObjectAlreadyExists);
  SP_EXPECT_CODE(array().AddHost(admin_, "", ""), kInvalidArg);
  SP_EXPECT_CODE(array().AddHost(admin_, "cluster:x", ""), kInvalidArg);
  SP_EXPECT_CODE(array().AddHost(admin_, "a b", ""), kInvalidArg);
  SP_EXPECT_CODE(array().AddHost(admin_, "-x", ""), kInvalidArg);
  SP_EXPECT_CODE(array().AddHost(admin_, std::string(65, 'a'), ""),
                 kInvalidArg);
  SP_EXPECT_CODE(array().AddHost(admin_, "ok", "bad cluster"), kInvalidArg);
}

TEST_F(ArrayTest, HostManagementIsForTheAdmin) {
  AddHost("prod1");
  Caller host = Caller::Host("prod1");
  SP_EXPECT_CODE(array().AddHost(host, "evil", ""), kAccessDeniedLocal);
  SP_EXPECT_CODE(array().ListHosts(host), kAccessDeniedLocal);
  SP_EXPECT_CODE(array().RemoveHost(host, "prod1"), kAccessDeniedLocal);
  SP_EXPECT_CODE(array().ReclaimHost(host, "prod1"), kAccessDeniedLocal);
  SP_EXPECT_CODE(array().CreateLun(host, kMiB), kAccessDeniedLocal);
  EXPECT_EQ(array().ListHosts(admin_)->size(), 1u);
  EXPECT_TRUE(array().ListLuns(admin_)->empty());
}

TEST_F(ArrayTest, RemoveHost) {
  std::string cred = AddHost("prod1");
  uint64_t lun = NewLunFor("prod1");
  Caller host = Caller::Host("prod1");
  ASSERT_TRUE(array().Attach(host, lun).ok());
  SP_EXPECT_CODE(array().RemoveHost(admin_, "prod1"), kVolumeInUse);
  SP_ASSERT_OK(array().Detach(host, lun));
  SP_ASSERT_OK(array().RemoveHost(admin_, "prod1"));
  SP_EXPECT_CODE(array().RemoveHost(admin_, "prod1"), kObjectNotFound);
  SP_EXPECT_CODE(array().Authenticate("prod1", cred), kUnauthenticated);
  SP_EXPECT_CODE(array().ListLuns(host), kUnauthenticated);
  EXPECT_TRUE(array().GetLun(admin_, lun)->presented_to.empty());

  // The name may come back, with a new credential and none of the old
  // presentations.
  std::string cred2 = AddHost("prod1");
  EXPECT_NE(cred2, cred);
  SP_EXPECT_CODE(array().Authenticate("prod1", cred), kUnauthenticated);
  EXPECT_TRUE(array().ListLuns(host)->empty());
}

}  // namespace
}  // namespace sp::array
