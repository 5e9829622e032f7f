// Host and cluster names as the array and the services take them: 1-64
// characters of [A-Za-z0-9._-], starting with a letter or digit. No ':' so
// a host name never looks like a "cluster:NAME" importer entry, no '/' so it
// can name a file. One definition for shadowport-arrayd (host registry) and
// shadowportd (its own name, peers, importers).
#ifndef SHADOWPORT_CORE_HOST_NAME_H_
#define SHADOWPORT_CORE_HOST_NAME_H_

#include <string_view>

namespace sp {

bool IsValidHostName(std::string_view name);

}  // namespace sp

#endif  // SHADOWPORT_CORE_HOST_NAME_H_
