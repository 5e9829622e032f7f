// ProviderRegistry: the providers shadowportd knows, in the order they were
// registered, and VSS's choice of a provider for a volume.
//
// main() creates the registry and Adds each configured provider (the array
// provider, and later e.g. a Ceph RBD provider: a new Provider subclass and
// one Add in main(); the coordinator only ever sees Provider* from this
// registry, so it does not change). There is no static or global registry.
//
// Thread safety: Add is not synchronized: register every provider before
// the registry is shared. After that every method is const and may be
// called concurrently; SelectFor calls the providers' AreLunsSupported,
// which provider.h allows from several threads.
#ifndef SHADOWPORT_PROVIDERS_PROVIDER_REGISTRY_H_
#define SHADOWPORT_PROVIDERS_PROVIDER_REGISTRY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "os/volume_probe.h"
#include "providers/provider.h"
#include "shadowport/guid.h"
#include "shadowport/status.h"

namespace sp::providers {

class ProviderRegistry {
 public:
  ProviderRegistry() = default;
  ProviderRegistry(const ProviderRegistry&) = delete;
  ProviderRegistry& operator=(const ProviderRegistry&) = delete;

  // Takes ownership. E_INVALIDARG for a null provider or a null id,
  // VSS_E_OBJECT_ALREADY_EXISTS for an id or name already registered (the
  // provider is then destroyed).
  Status Add(std::unique_ptr<Provider> provider);

  // nullptr when none is registered under that id / name. The pointers live
  // as long as the registry.
  Provider* Find(const Guid& id) const;
  Provider* FindByName(std::string_view name) const;
  // In registration order.
  std::vector<Provider*> All() const;

  // The provider that will snapshot `volume` with `attributes`.
  //
  // `requested` (the requester named a provider): that provider if its
  // AreLunsSupported is OK, else its status as it gave it;
  // VSS_E_OBJECT_NOT_FOUND if no provider has that id.
  //
  // Otherwise VSS's automatic choice: the first registered provider whose
  // AreLunsSupported is OK. If none is, and some provider recognises the
  // volume but refuses the attributes (it answers
  // VSS_E_UNSUPPORTED_CONTEXT, or VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER
  // while it would accept the volume without TRANSPORTABLE, DIFFERENTIAL and
  // PLEX: asked again to tell the two apart), the first such refusal. Else
  // the first other failure (a backend that could not answer, e.g.
  // SP_E_UNAVAILABLE). Else VSS_E_VOLUME_NOT_SUPPORTED, listing each
  // provider's reason.
  Result<Provider*> SelectFor(const os::VolumeInfo& volume, uint32_t attributes,
                              std::optional<Guid> requested) const;

 private:
  std::vector<std::unique_ptr<Provider>> providers_;
};

}  // namespace sp::providers

#endif  // SHADOWPORT_PROVIDERS_PROVIDER_REGISTRY_H_
