// What `shadowport create` prints about the set it made: the summary (set,
// snapshots with their volumes and LUNs, context, writers that failed, files
// written) as text or JSON, and the next steps for the user.
//
// Thread safety: pure functions.
#ifndef SHADOWPORT_CLI_CREATE_REPORT_H_
#define SHADOWPORT_CLI_CREATE_REPORT_H_

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "create_flow.h"
#include "create_options.h"

namespace sp::cli {

struct CreateReport {
  const CreateOptions& options;
  const ContextChoice& choice;
  const CreatedSet& created;
  const SavedFiles& files;
};

// One line each, in order (empty for a plain non-transportable,
// auto-release set).
std::vector<std::string> NextSteps(const CreateReport& report);

std::string CreateSummaryText(const CreateReport& report);
nlohmann::ordered_json CreateSummaryJson(const CreateReport& report);

// "auto-release", "until the service restarts", "persistent".
std::string LifetimeName(Lifetime lifetime);

}  // namespace sp::cli

#endif  // SHADOWPORT_CLI_CREATE_REPORT_H_
