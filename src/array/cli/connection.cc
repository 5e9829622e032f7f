// The CLI's connection options and how they become an ArrayClient, as the
// admin or as a registered host.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <string_view>

#include "array/cli/commands.h"
#include "array/rpc/admin_token.h"
#include "array/rpc/files.h"
#include "os/unique_fd.h"

namespace sp::array::cli {
namespace {

constexpr size_t kCredentialHexDigits = 64;

std::string_view Trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  const size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  const size_t end = s.find_last_not_of(kSpace);
  return s.substr(begin, end - begin + 1);
}

}  // namespace

void AddConnectionOptions(CLI::App& app, Connection& c) {
  const char* group = "Connection";
  // The last occurrence wins, so a wrapper's defaults can be overridden.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--socket", c.socket, "the daemon's Unix socket")
      ->capture_default_str()
      ->group(group);
  app.add_option("--address", c.address,
                 "HOST:PORT of the daemon's TLS listener (instead of "
                 "--socket); needs --tls-ca, --tls-cert and --tls-key")
      ->group(group);
  app.add_option("--tls-ca", c.tls_ca,
                 "CA certificate that signed the daemon's certificate")
      ->group(group);
  app.add_option("--tls-cert", c.tls_cert,
                 "this client's certificate: CN shadowport-admin for the "
                 "admin, the host's name for a host")
      ->group(group);
  app.add_option("--tls-key", c.tls_key, "its private key")->group(group);
  app.add_option("--tls-server-name", c.tls_server_name,
                 "name to expect in the daemon's certificate (default: the "
                 "host of --address)")
      ->group(group);
  CLI::Option* admin =
      app.add_option("--admin-token-file", c.admin_token_file,
                     "the daemon's admin token (the admin's identity)")
          ->capture_default_str()
          ->group(group);
  CLI::Option* host =
      app.add_option("--host", c.host,
                     "call as this registered host instead of the admin "
                     "(needs --credential-file)")
          ->group(group);
  CLI::Option* credential =
      app.add_option("--credential-file", c.credential_file,
                     "the host's credential as `host add` printed it, in a "
                     "file only its owner may read (chmod 600)")
          ->group(group);
  host->needs(credential);
  credential->needs(host);
  host->excludes(admin);
  credential->excludes(admin);
  app.add_option("--timeout", c.timeout_seconds,
                 "deadline of each call to the daemon, in seconds")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 3600.0))
      ->group(group);
}

Result<std::string> ReadHostCredential(const std::string& path) {
  os::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0 && errno == ELOOP) {
    return Status(Code::kAccessDeniedLocal,
                  path + ": a symbolic link; give the credential file itself");
  }
  if (fd.get() < 0) return FromErrno(errno, "opening " + path);
  // Check and read the one file we opened.
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return FromErrno(errno, "checking " + path);
  }
  if (!S_ISREG(st.st_mode)) {
    return Status(Code::kAccessDeniedLocal, path + ": not a regular file");
  }
  if (st.st_uid != ::geteuid() || (st.st_mode & 077) != 0) {
    return Status(Code::kAccessDeniedLocal,
                  path +
                      ": the host credential must be owned by this user and "
                      "readable by nobody else (chmod 600)");
  }
  SP_ASSIGN_OR_RETURN(std::string text, rpc::ReadSmallFd(fd.get(), path, 4096));
  const std::string_view credential = Trim(text);
  bool hex = credential.size() == kCredentialHexDigits;
  for (char ch : credential) {
    hex = hex && ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'));
  }
  if (!hex) {
    return Status(Code::kInvalidArg,
                  path +
                      ": not a host credential (the 64 lowercase hex digits "
                      "`shadowport-array host add` printed)");
  }
  return std::string(credential);
}

Result<std::unique_ptr<rpc::ArrayClient>> Connect(const Connection& c) {
  rpc::ClientOptions options;
  if (c.address.empty()) {
    options.target = "unix:" + c.socket;
  } else {
    options.target = c.address;
    options.tls_ca_file = c.tls_ca;
    options.tls_cert_file = c.tls_cert;
    options.tls_key_file = c.tls_key;
    options.tls_server_name = c.tls_server_name;
  }
  options.deadline = std::chrono::milliseconds(
      static_cast<int64_t>(std::llround(c.timeout_seconds * 1000)));
  if (!c.host.empty() || !c.credential_file.empty()) {
    if (c.host.empty() || c.credential_file.empty()) {
      return Status(Code::kInvalidArg,
                    "a host identity needs both --host and --credential-file");
    }
    options.host = c.host;
    SP_ASSIGN_OR_RETURN(options.credential,
                        ReadHostCredential(c.credential_file));
  } else {
    SP_ASSIGN_OR_RETURN(options.admin_token,
                        rpc::ReadAdminToken(c.admin_token_file));
  }
  return rpc::ArrayClient::Create(options);
}

}  // namespace sp::array::cli
