// The VSS selectability rules (shadowport/component_selection.h).
#include "shadowport/component_selection.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

namespace sp {
namespace {

// A component's full path for messages, in double quotes. WMDs come from
// writers and BCDs from other hosts: control bytes and '"' are written as
// \xNN so that a hostile name cannot forge log lines. '\' stays, it is the
// logical path separator people expect to read.
std::string Quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f || c == '"') {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02X", byte);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string FullPathOf(std::string_view logical_path, std::string_view name) {
  if (logical_path.empty()) return std::string(name);
  return std::string(logical_path) + "\\" + std::string(name);
}

std::string WriterLabel(const WriterMetadata& wmd) {
  return "writer " + Quoted(wmd.identity.writer_name) + " (instance " +
         wmd.identity.instance_id.ToString() + ")";
}

std::string_view TypeName(ComponentType type) {
  switch (type) {
    case ComponentType::kDatabase:
      return "database";
    case ComponentType::kFileGroup:
      return "file group";
    case ComponentType::kUndefined:
      break;
  }
  return "undefined";
}

// The (logical path, name) pairs of a BCD entry, for lookups in
// O(log n): WMDs and BCDs come from elsewhere and may hold many thousands
// of components, so nothing here scans all components per component.
class SelectedSet {
 public:
  explicit SelectedSet(const std::vector<BcdComponent>& selected) {
    for (const BcdComponent& c : selected)
      keys_.emplace(c.logical_path, c.name);
  }
  bool Contains(const WmdComponent& c) const {
    return keys_.count({c.logical_path, c.name}) != 0;
  }

 private:
  std::set<std::pair<std::string, std::string>> keys_;
};

// Selectable components (all, or only those of `only`) by full path: the
// ancestors of a component are found by walking up its logical path, one
// lookup per level.
class AncestorIndex {
 public:
  explicit AncestorIndex(const WriterMetadata& wmd,
                         const SelectedSet* only = nullptr) {
    for (const WmdComponent& c : wmd.components) {
      if (!c.selectable || (only != nullptr && !only->Contains(c))) continue;
      by_full_path_.emplace(c.FullPath(), &c);  // the first of equals wins
    }
  }
  // The nearest indexed component `component` lies under, or nullptr.
  const WmdComponent* Nearest(const WmdComponent& component) const {
    std::string_view path = component.logical_path;
    while (!path.empty()) {
      auto it = by_full_path_.find(std::string(path));
      if (it != by_full_path_.end() && it->second != &component) {
        return it->second;
      }
      const size_t cut = path.rfind('\\');
      if (cut == std::string_view::npos) break;
      path = path.substr(0, cut);
    }
    return nullptr;
  }

 private:
  std::unordered_map<std::string, const WmdComponent*> by_full_path_;
};

// CheckExplicitSelection with the index built.
Status CheckExplicit(const WriterMetadata& wmd, const AncestorIndex& index,
                     ComponentType type, std::string_view logical_path,
                     std::string_view name) {
  const std::string full = FullPathOf(logical_path, name);
  const WmdComponent* component = wmd.FindComponent(logical_path, name);
  if (component == nullptr) {
    return Status(Code::kObjectNotFound,
                  WriterLabel(wmd) + " has no component " + Quoted(full));
  }
  if (component->type != type) {
    return Status(Code::kInvalidArg,
                  "component " + Quoted(full) + " of " + WriterLabel(wmd) +
                      " is a " + std::string(TypeName(component->type)) +
                      ", not a " + std::string(TypeName(type)));
  }
  if (!component->selectable) {
    if (const WmdComponent* set = index.Nearest(*component)) {
      return Status(
          Code::kInvalidArg,
          "component " + Quoted(full) + " of " + WriterLabel(wmd) +
              " is not selectable: it is part of the component set of " +
              Quoted(set->FullPath()) +
              " and is included implicitly when that component is; select " +
              Quoted(set->FullPath()) + " instead");
    }
  }
  return Status::Ok();
}

}  // namespace

bool IsUnder(const WmdComponent& component, const WmdComponent& ancestor) {
  const std::string prefix = ancestor.FullPath();
  const std::string& path = component.logical_path;
  if (path == prefix) return true;
  return path.size() > prefix.size() &&
         path.compare(0, prefix.size(), prefix) == 0 &&
         path[prefix.size()] == '\\';
}

const WmdComponent* NearestSelectableAncestor(const WriterMetadata& wmd,
                                              const WmdComponent& component) {
  return AncestorIndex(wmd).Nearest(component);
}

bool IsRequired(const WriterMetadata& wmd, const WmdComponent& component) {
  return !component.selectable &&
         NearestSelectableAncestor(wmd, component) == nullptr;
}

std::vector<const WmdComponent*> TopLevelComponents(const WriterMetadata& wmd) {
  const AncestorIndex index(wmd);
  std::vector<const WmdComponent*> out;
  for (const WmdComponent& c : wmd.components) {
    if (index.Nearest(c) == nullptr) out.push_back(&c);
  }
  return out;
}

std::vector<const WmdComponent*> RequiredComponents(const WriterMetadata& wmd) {
  const AncestorIndex index(wmd);
  std::vector<const WmdComponent*> out;
  for (const WmdComponent& c : wmd.components) {
    if (!c.selectable && index.Nearest(c) == nullptr) out.push_back(&c);
  }
  return out;
}

Result<const WmdComponent*> FindByFullPath(const WriterMetadata& wmd,
                                           std::string_view full_path) {
  const WmdComponent* found = nullptr;
  for (const WmdComponent& c : wmd.components) {
    if (c.FullPath() != full_path) continue;
    if (found != nullptr) {
      return Status(
          Code::kInvalidArg,
          WriterLabel(wmd) + " has two components with the full path " +
              Quoted(full_path) + " (logical path " +
              Quoted(found->logical_path) + " and " + Quoted(c.logical_path) +
              "); its metadata cannot be selected from by full path");
    }
    found = &c;
  }
  if (found == nullptr) {
    return Status(Code::kObjectNotFound,
                  WriterLabel(wmd) + " has no component " + Quoted(full_path));
  }
  return found;
}

Status CheckExplicitSelection(const WriterMetadata& wmd, ComponentType type,
                              std::string_view logical_path,
                              std::string_view name) {
  return CheckExplicit(wmd, AncestorIndex(wmd), type, logical_path, name);
}

Status ValidateWriterSelection(const WriterMetadata& wmd,
                               const std::vector<BcdComponent>& selected,
                               bool check_required) {
  const AncestorIndex index(wmd);
  std::set<std::pair<std::string, std::string>> seen;
  for (const BcdComponent& c : selected) {
    SP_RETURN_IF_ERROR(
        CheckExplicit(wmd, index, c.type, c.logical_path, c.name));
    if (!seen.emplace(c.logical_path, c.name).second) {
      return Status(Code::kObjectAlreadyExists,
                    "component " + Quoted(c.FullPath()) + " of " +
                        WriterLabel(wmd) + " is selected twice");
    }
  }
  if (!check_required) return Status::Ok();
  const SelectedSet chosen(selected);
  std::string missing;
  size_t count = 0;
  for (const WmdComponent* required : RequiredComponents(wmd)) {
    if (chosen.Contains(*required)) continue;
    missing += (count++ == 0 ? "" : ", ") + Quoted(required->FullPath());
  }
  if (count > 0) {
    return Status(
        Code::kInvalidArg,
        WriterLabel(wmd) + " takes part in the backup but its required " +
            (count == 1 ? "component " : "components ") + missing +
            (count == 1 ? " is" : " are") +
            " not selected (a non-selectable component with no selectable "
            "ancestor must be added explicitly); add " +
            (count == 1 ? "it" : "them") + ", or exclude the writer");
  }
  return Status::Ok();
}

std::vector<IncludedComponent> IncludedComponents(
    const WriterMetadata& wmd, const std::vector<BcdComponent>& selected) {
  const SelectedSet chosen(selected);
  // Implicit: the nearest explicitly selected selectable ancestor. (An
  // ancestor included only implicitly has an explicit selectable ancestor
  // of its own, which is an ancestor of `c` too.)
  const AncestorIndex explicit_sets(wmd, &chosen);
  std::vector<IncludedComponent> out;
  for (const WmdComponent& c : wmd.components) {
    IncludedComponent included;
    included.component = &c;
    if (chosen.Contains(c)) {
      included.explicitly = true;
      out.push_back(included);
      continue;
    }
    included.through = explicit_sets.Nearest(c);
    if (included.through != nullptr) out.push_back(included);
  }
  return out;
}

namespace {

// The dependencies of every component the participants' BCD entries
// include, against what they include (ValidateBackupSelection, component
// mode only).
Status CheckDependencies(
    const std::vector<std::pair<const WriterMetadata*,
                                const WriterComponents*>>& participants) {
  for (const auto& [wmd, entry] : participants) {
    for (const IncludedComponent& inc :
         IncludedComponents(*wmd, entry->components)) {
      for (const Dependency& d : inc.component->dependencies) {
        if (d.logical_path.starts_with("\\\\")) continue;  // remote
        bool met = false;
        for (const auto& [other, other_entry] : participants) {
          if (other->identity.writer_id != d.writer_id) continue;
          for (const IncludedComponent& t :
               IncludedComponents(*other, other_entry->components)) {
            met |= t.component->logical_path == d.logical_path &&
                   t.component->name == d.component_name;
          }
        }
        if (met) continue;
        const std::string target =
            d.logical_path.empty() ? d.component_name
                                   : d.logical_path + "\\" + d.component_name;
        std::string writer = "writer class " + d.writer_id.ToString();
        for (const auto& [other, unused] : participants) {
          if (other->identity.writer_id == d.writer_id) {
            writer = "writer " + Quoted(other->identity.writer_name);
          }
        }
        std::string message = "component ";
        message += Quoted(inc.component->FullPath());
        message += " of " + WriterLabel(*wmd);
        message += " depends on component " + Quoted(target);
        message += " of " + writer;
        message +=
            ", which is not in the backup: a component and the targets of "
            "its dependencies are backed up and restored together; add it "
            "(create --component WRITER:";
        message += target;
        message += ") or leave the dependent component out";
        return Status(Code::kInvalidArg, message);
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Status ValidateBackupSelection(const BackupComponentsDocument& bcd,
                               std::span<const WriterMetadata* const> writers,
                               std::span<const Guid> excluded) {
  auto is_excluded = [&](const Guid& id) {
    return std::find(excluded.begin(), excluded.end(), id) != excluded.end();
  };
  auto find_writer = [&](const Guid& instance) -> const WriterMetadata* {
    for (const WriterMetadata* w : writers) {
      if (w->identity.instance_id == instance) return w;
    }
    return nullptr;
  };
  for (const WriterComponents& entry : bcd.writers) {
    const WriterMetadata* wmd = find_writer(entry.instance_id);
    if (wmd == nullptr) {
      return Status(Code::kObjectNotFound,
                    "the BCD selects components of writer instance " +
                        entry.instance_id.ToString() +
                        ", which did not answer GatherWriterMetadata");
    }
    if (wmd->identity.writer_id != entry.writer_id) {
      return Status(Code::kInvalidArg,
                    "the BCD names " + WriterLabel(*wmd) + " with writer id " +
                        entry.writer_id.ToString() + ", but it is " +
                        wmd->identity.writer_id.ToString());
    }
    if (is_excluded(entry.instance_id) && !entry.components.empty()) {
      return Status(Code::kInvalidArg,
                    "the BCD selects components of " + WriterLabel(*wmd) +
                        ", which is excluded from the backup "
                        "(DisableWriterInstances)");
    }
    for (const WriterComponents& other : bcd.writers) {
      if (&other != &entry && other.instance_id == entry.instance_id) {
        return Status(Code::kInvalidArg,
                      "the BCD lists " + WriterLabel(*wmd) + " twice");
      }
    }
    if (is_excluded(entry.instance_id)) continue;
    SP_RETURN_IF_ERROR(
        ValidateWriterSelection(*wmd, entry.components, bcd.select_components));
  }
  if (!bcd.select_components) return Status::Ok();
  for (const WriterMetadata* wmd : writers) {
    if (is_excluded(wmd->identity.instance_id)) continue;
    const bool listed = std::any_of(
        bcd.writers.begin(), bcd.writers.end(), [&](const WriterComponents& e) {
          return e.instance_id == wmd->identity.instance_id;
        });
    if (!listed) {
      // Reports every required component as missing.
      SP_RETURN_IF_ERROR(ValidateWriterSelection(*wmd, {}));
    }
  }
  std::vector<std::pair<const WriterMetadata*, const WriterComponents*>>
      participants;
  for (const WriterComponents& entry : bcd.writers) {
    if (!is_excluded(entry.instance_id)) {
      participants.emplace_back(find_writer(entry.instance_id), &entry);
    }
  }
  return CheckDependencies(participants);
}

}  // namespace sp
