#include "array/rpc/authenticator.h"

#include <grpc/grpc_security_constants.h>
#include <grpcpp/security/auth_context.h>
#include <openssl/crypto.h>

#include <optional>
#include <string>
#include <vector>

#include "array/rpc/metadata.h"

namespace sp::array::rpc {
namespace {

constexpr size_t kMaxLoggedName = 64;

// The values of `key` in the call's metadata.
std::vector<std::string> Values(const grpc::ServerContext& context,
                                const char* key) {
  std::vector<std::string> out;
  auto [begin, end] = context.client_metadata().equal_range(key);
  for (auto it = begin; it != end; ++it) {
    out.emplace_back(it->second.data(), it->second.size());
  }
  return out;
}

bool SameSecret(const std::string& a, const std::string& b) {
  // The length of a token is no secret; its bytes are.
  return a.size() == b.size() && !a.empty() &&
         CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::optional<std::string> VerifiedPeerCommonName(
    const grpc::ServerContext& context) {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr || !auth->IsPeerAuthenticated()) return std::nullopt;
  std::vector<grpc::string_ref> type =
      auth->FindPropertyValues(GRPC_TRANSPORT_SECURITY_TYPE_PROPERTY_NAME);
  if (type.size() != 1 || type[0] != GRPC_SSL_TRANSPORT_SECURITY_TYPE) {
    return std::nullopt;
  }
  std::vector<grpc::string_ref> cn =
      auth->FindPropertyValues(GRPC_X509_CN_PROPERTY_NAME);
  if (cn.size() != 1 || cn[0].empty()) return std::nullopt;
  return std::string(cn[0].data(), cn[0].size());
}

bool IsLocalPeer(std::string_view peer) {
  return peer.starts_with("unix:") || peer.starts_with("unix-abstract:");
}

Status Authenticator::Refuse(const grpc::ServerContext& context,
                             std::string_view method, std::string_view claimed,
                             std::string_view reason) const {
  std::string name(claimed.substr(0, kMaxLoggedName));
  if (claimed.size() > kMaxLoggedName) name += "...";
  logger_->Warning("refused " + std::string(method) + " from " +
                   context.peer() + " claiming \"" + name +
                   "\": " + std::string(reason));
  return Status(Code::kUnauthenticated,
                std::string(method) + ": " + std::string(reason));
}

Result<Caller> Authenticator::Authenticate(const grpc::ServerContext& context,
                                           std::string_view method) const {
  const std::vector<std::string> hosts = Values(context, kHostKey);
  const std::vector<std::string> credentials = Values(context, kCredentialKey);
  const std::vector<std::string> tokens = Values(context, kAdminTokenKey);
  const std::string claimed =
      !tokens.empty() ? std::string("admin")
                      : (hosts.empty() ? std::string() : hosts.front());

  if (hosts.size() > 1 || credentials.size() > 1 || tokens.size() > 1) {
    return Refuse(context, method, claimed, "a credential key given twice");
  }
  if (!tokens.empty() && (!hosts.empty() || !credentials.empty())) {
    return Refuse(context, method, claimed,
                  "both an admin token and a host credential");
  }

  // Over TCP, the verified certificate's common name is the identity the
  // credential must match.
  std::optional<std::string> common_name;
  const bool local = IsLocalPeer(context.peer());
  if (!local) {
    common_name = VerifiedPeerCommonName(context);
    if (!common_name) {
      return Refuse(context, method, claimed,
                    "no verified TLS client certificate");
    }
  }

  if (!tokens.empty()) {
    if (!SameSecret(tokens.front(), policy_.admin_token)) {
      return Refuse(context, method, claimed, "wrong admin token");
    }
    if (!local && *common_name != policy_.admin_common_name) {
      return Refuse(
          context, method, claimed,
          "client certificate CN \"" + *common_name + "\" is not the admin's");
    }
    return Caller::Admin();
  }

  if (hosts.empty() || hosts.front().empty() || credentials.empty()) {
    return Refuse(context, method, claimed, "no credential");
  }
  Result<Caller> caller =
      array_->Authenticate(hosts.front(), credentials.front());
  if (!caller.ok()) {
    if (caller.status().code() == Code::kUnauthenticated) {
      return Refuse(context, method, claimed,
                    "unknown host or wrong credential");
    }
    // The array could not check (e.g. its catalogue failed): say so, as
    // that failure, not as a refusal.
    logger_->Error(std::string(method) + " from " + context.peer() +
                   ": authentication failed: " + caller.status().ToString());
    return std::move(caller).status();
  }
  if (caller->admin || caller->host != hosts.front()) {
    return Refuse(context, method, claimed, "credential of another identity");
  }
  if (!local && *common_name != caller->host) {
    return Refuse(
        context, method, claimed,
        "client certificate CN \"" + *common_name + "\" is not the host's");
  }
  return caller;
}

}  // namespace sp::array::rpc
