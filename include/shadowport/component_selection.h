// Component selection: which of a writer's components a backup includes, by
// the VSS rules of selectability and logical paths (Microsoft's "Working
// with Selectability for Backup" and "Logical Pathing of Components";
// docs/components.md states them with examples).
//
//   - A component B lies *under* a component A when B's logical path is A's
//     full path ("A's logical path\A's name") or starts with it followed by
//     '\'. A selectable component and everything under it form a component
//     set; sets nest.
//   - A component with no selectable ancestor is *top-level*. A top-level
//     component is included only explicitly (AddComponent: it is in the BCD).
//     A top-level NON-selectable component is required: every writer taking
//     part in the backup must have each of them in the BCD.
//   - A component with a selectable ancestor is a *subcomponent*. It is
//     included implicitly (not in the BCD) when an ancestor that is included
//     is selectable. A non-selectable subcomponent can never be added
//     explicitly; a selectable one may be (then it is explicit, with its own
//     BCD entry and backup_succeeded flag), whether or not an ancestor is
//     selected too.
//   - Only a selectable component brings its subcomponents in: a top-level
//     non-selectable component includes nothing under it, which is why each
//     of them is required on its own (Microsoft's "Executables" /
//     "ConfigFiles" example).
//
// Pure functions of the documents; no I/O. Errors: VSS_E_OBJECT_NOT_FOUND
// for a component or writer that does not exist, VSS_E_OBJECT_ALREADY_EXISTS
// for a component selected twice, E_INVALIDARG for a selection the rules
// forbid (why E_INVALIDARG and not VSS_E_BAD_STATE: docs/components.md).
//
// Thread safety: pure functions; pointers returned point into the
// WriterMetadata given and live as long as it does.
#ifndef SHADOWPORT_COMPONENT_SELECTION_H_
#define SHADOWPORT_COMPONENT_SELECTION_H_

#include <span>
#include <string_view>
#include <vector>

#include "shadowport/bcd.h"
#include "shadowport/guid.h"
#include "shadowport/status.h"
#include "shadowport/wmd.h"

namespace sp {

// Whether `component` lies under `ancestor` (see above). A component does
// not lie under itself.
bool IsUnder(const WmdComponent& component, const WmdComponent& ancestor);

// The nearest selectable component that `component` lies under, or nullptr
// for a top-level component.
const WmdComponent* NearestSelectableAncestor(const WriterMetadata& wmd,
                                              const WmdComponent& component);

// Non-selectable and top-level: every participating writer's BCD entry
// must name it.
bool IsRequired(const WriterMetadata& wmd, const WmdComponent& component);

// The top-level components of `wmd`, in document order: adding each of
// them selects everything the writer has (the rest comes implicitly). This
// is what a requester selects for "the whole writer".
std::vector<const WmdComponent*> TopLevelComponents(const WriterMetadata& wmd);

// The required components of `wmd` (IsRequired), in document order.
std::vector<const WmdComponent*> RequiredComponents(const WriterMetadata& wmd);

// The component of `wmd` whose full path ("logical\path\name", or "name")
// is `full_path`. VSS_E_OBJECT_NOT_FOUND naming the writer when there is
// none; E_INVALIDARG when two components share it (logical path "a", name
// "b\c" and logical path "a\b", name "c").
Result<const WmdComponent*> FindByFullPath(const WriterMetadata& wmd,
                                           std::string_view full_path);

// Whether the requester may add (logical_path, name) of `type` explicitly
// (AddComponent): VSS_E_OBJECT_NOT_FOUND if the writer has no such
// component, E_INVALIDARG if it is of another type or a non-selectable
// subcomponent (the message names the selectable ancestor to add instead).
Status CheckExplicitSelection(const WriterMetadata& wmd, ComponentType type,
                              std::string_view logical_path,
                              std::string_view name);

// One writer's BCD entry (`selected`) against its metadata: every component
// passes CheckExplicitSelection, none twice (VSS_E_OBJECT_ALREADY_EXISTS),
// and, unless `check_required` is false (a whole-volume backup, where
// nothing is required), every required component is there (E_INVALIDARG
// naming all that are missing).
Status ValidateWriterSelection(const WriterMetadata& wmd,
                               const std::vector<BcdComponent>& selected,
                               bool check_required = true);

// A component the backup includes, and how.
struct IncludedComponent {
  const WmdComponent* component = nullptr;
  bool explicitly = false;  // in the BCD
  // Implicit ones: the nearest explicitly included selectable ancestor that
  // brings it in. nullptr for explicit ones.
  const WmdComponent* through = nullptr;
};

// Every component of `wmd` that a BCD entry `selected` includes, explicit
// and implicit, in document order, each once. Entries of `selected` that
// `wmd` does not have are ignored (ValidateWriterSelection reports them).
std::vector<IncludedComponent> IncludedComponents(
    const WriterMetadata& wmd, const std::vector<BcdComponent>& selected);

// The whole BCD against the writers that answered GatherWriterMetadata
// (`writers`, by their IDENTIFICATION) minus `excluded` instance ids
// (DisableWriterInstances), as PrepareForBackup checks it:
//   - every BCD writer answered (VSS_E_OBJECT_NOT_FOUND), with the same
//     writer class id, and is not excluded (E_INVALIDARG);
//   - every BCD writer's entry passes ValidateWriterSelection;
//   - in component mode (bcd.select_components), every writer not excluded
//     has its required components in the BCD (E_INVALIDARG naming the
//     writer and each missing component, and how to fix it);
//   - in component mode, every dependency (AddComponentDependency) of an
//     included component is met: the component it names, of a writer of
//     the class it names, is included too, explicitly or implicitly ("the
//     dependent component and the targets of its dependencies must
//     participate"). E_INVALIDARG naming both and how to add the target. A
//     remote dependency (its logical path starts with "\\", another
//     computer's component) is not checked: that host is not in this
//     backup.
Status ValidateBackupSelection(const BackupComponentsDocument& bcd,
                               std::span<const WriterMetadata* const> writers,
                               std::span<const Guid> excluded);

}  // namespace sp

#endif  // SHADOWPORT_COMPONENT_SELECTION_H_
