// What `shadowport create` selects, from its --component and
// --exclude-writer options and the metadata the writers gave
// (GatherWriterMetadata). docs/components.md and docs/cli.md.
//
//   - Without --component: every writer not excluded takes part with all
//     its data: each of its top-level components is added (the rest comes
//     implicitly; adding a non-selectable subcomponent would be refused).
//   - With --component WRITER:LOGICAL\PATH\NAME (repeatable): exactly those
//     components, plus the required (non-selectable top-level) components
//     of each writer named. Writers with no component named are excluded
//     (DisableWriterInstances): a writer whose data is not in the backup has
//     no reason to freeze for it, and VSS itself gives writers without
//     components no further events.
//   - WRITER is an instance id (a GUID, braces optional) or a writer name;
//     a name stands for every instance with that name (--exclude-writer) or
//     must name exactly one (--component).
//
// Thread safety: pure functions; pointers returned point into the writers
// given.
#ifndef SHADOWPORT_CLI_COMPONENT_CHOICE_H_
#define SHADOWPORT_CLI_COMPONENT_CHOICE_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "shadowport/backup_components.h"
#include "shadowport/guid.h"
#include "shadowport/status.h"
#include "shadowport/wmd.h"

namespace sp::cli {

// "WRITER:LOGICAL\PATH\NAME" split at the first ':' (so a writer name holds
// no ':', a logical path may). E_INVALIDARG, quoting the text, when a part
// is empty or there is no ':'.
struct ComponentArg {
  std::string writer;
  std::string full_path;
};
Result<ComponentArg> ParseComponentArg(std::string_view text);

// One writer taking part and what to AddComponent for it.
struct WriterPick {
  const WriterMetadataInfo* writer = nullptr;
  std::vector<const WmdComponent*> components;  // no duplicates
};

struct SelectionPlan {
  std::vector<WriterPick> writers;  // in the order the writers answered
  std::vector<Guid> excluded;       // for DisableWriterInstances
};

// The plan for `writers` (as gathered). Fails with:
//   E_INVALIDARG            a malformed --component, a writer name that
//                           stands for several instances in --component, a
//                           component of an excluded writer, a component
//                           the rules forbid to add (a non-selectable
//                           subcomponent: the message names its ancestor);
//   VSS_E_OBJECT_NOT_FOUND  a writer name (either option) or instance id
//                           (--component) no writer answered with, a
//                           component the writer does not have.
// An --exclude-writer instance id that no writer answered with is kept: it
// is harmless, as VSS's DisableWriterInstances, and the writer may just be
// down.
Result<SelectionPlan> PlanSelection(
    std::span<const WriterMetadataInfo> writers,
    const std::vector<std::string>& exclude_args,
    const std::vector<std::string>& component_args);

}  // namespace sp::cli

#endif  // SHADOWPORT_CLI_COMPONENT_CHOICE_H_
