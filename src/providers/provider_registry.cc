#include "providers/provider_registry.h"

#include <string>
#include <utility>

#include "shadowport/context.h"

namespace sp::providers {
namespace {

// The attributes a provider may refuse for a volume it otherwise supports.
constexpr uint32_t kRefusable =
    attr::kTransportable | attr::kDifferential | attr::kPlex;

std::string VolumeName(const os::VolumeInfo& volume) {
  std::string name = volume.device.empty() ? volume.mount_point : volume.device;
  if (!volume.mount_point.empty() && name != volume.mount_point) {
    name += " (" + volume.mount_point + ")";
  }
  return name;
}

}  // namespace

Status ProviderRegistry::Add(std::unique_ptr<Provider> provider) {
  if (provider == nullptr) {
    return Status(Code::kInvalidArg, "registering a null provider");
  }
  if (provider->id().IsNull()) {
    return Status(Code::kInvalidArg, "provider '" +
                                         std::string(provider->name()) +
                                         "' has the null GUID as its id");
  }
  for (const std::unique_ptr<Provider>& p : providers_) {
    if (p->id() == provider->id() || p->name() == provider->name()) {
      return Status(Code::kObjectAlreadyExists,
                    "provider '" + std::string(provider->name()) + "' " +
                        provider->id().ToString() +
                        " collides with the registered '" +
                        std::string(p->name()) + "' " + p->id().ToString());
    }
  }
  providers_.push_back(std::move(provider));
  return Status::Ok();
}

Provider* ProviderRegistry::Find(const Guid& id) const {
  for (const std::unique_ptr<Provider>& p : providers_) {
    if (p->id() == id) return p.get();
  }
  return nullptr;
}

Provider* ProviderRegistry::FindByName(std::string_view name) const {
  for (const std::unique_ptr<Provider>& p : providers_) {
    if (p->name() == name) return p.get();
  }
  return nullptr;
}

std::vector<Provider*> ProviderRegistry::All() const {
  std::vector<Provider*> out;
  out.reserve(providers_.size());
  for (const std::unique_ptr<Provider>& p : providers_) out.push_back(p.get());
  return out;
}

Result<Provider*> ProviderRegistry::SelectFor(
    const os::VolumeInfo& volume, uint32_t attributes,
    std::optional<Guid> requested) const {
  if (requested) {
    Provider* p = Find(*requested);
    if (p == nullptr) {
      return Status(Code::kObjectNotFound,
                    "no provider " + requested->ToString() + " is registered");
    }
    Status supported = p->AreLunsSupported(volume, attributes);
    if (!supported.ok()) return supported;
    return p;
  }

  std::optional<Status> refusal;  // recognised the volume, not the attributes
  std::optional<Status> failure;  // could not tell
  std::string reasons;            // why each provider said no
  for (const std::unique_ptr<Provider>& p : providers_) {
    Status supported = p->AreLunsSupported(volume, attributes);
    if (supported.ok()) return p.get();
    const Code code = supported.code();
    bool recognised = code == Code::kUnsupportedContext;
    if (code == Code::kVolumeNotSupportedByProvider &&
        (attributes & kRefusable) != 0) {
      recognised = p->AreLunsSupported(volume, attributes & ~kRefusable).ok();
    }
    if (recognised) {
      if (!refusal) refusal = std::move(supported);
    } else if (code == Code::kVolumeNotSupportedByProvider) {
      reasons += reasons.empty() ? " (" : "; ";
      reasons += std::string(p->name()) + ": " + supported.message();
    } else if (!failure) {
      failure = std::move(supported);
    }
  }
  if (refusal) return std::move(*refusal);
  if (failure) return std::move(*failure);
  if (providers_.empty()) {
    return Status(
        Code::kVolumeNotSupported,
        "no provider is registered to snapshot " + VolumeName(volume));
  }
  if (!reasons.empty()) reasons += ")";
  return Status(Code::kVolumeNotSupported,
                "no provider supports " + VolumeName(volume) + reasons);
}

}  // namespace sp::providers
