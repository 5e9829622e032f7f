#include "component_choice.h"

#include <algorithm>

#include "shadowport/component_selection.h"

namespace sp::cli {
namespace {

bool Contains(const std::vector<Guid>& ids, const Guid& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

std::string Names(std::span<const WriterMetadataInfo> writers) {
  if (writers.empty()) return "none answered";
  std::string out;
  for (const WriterMetadataInfo& w : writers) {
    if (!out.empty()) out += ", ";
    out += "\"" + w.writer_name + "\" " + w.instance_id.ToString();
  }
  return out;
}

// Every gathered instance `arg` stands for: the one with that instance id,
// or every one with that writer name. Empty when none matches.
std::vector<const WriterMetadataInfo*> Matching(
    std::span<const WriterMetadataInfo> writers, std::string_view arg) {
  std::vector<const WriterMetadataInfo*> out;
  Result<Guid> id = Guid::Parse(arg);
  for (const WriterMetadataInfo& w : writers) {
    if (id.ok() ? w.instance_id == *id : w.writer_name == arg) {
      out.push_back(&w);
    }
  }
  return out;
}

Result<std::vector<Guid>> ResolveExcluded(
    std::span<const WriterMetadataInfo> writers,
    const std::vector<std::string>& args) {
  std::vector<Guid> out;
  for (const std::string& arg : args) {
    Result<Guid> id = Guid::Parse(arg);
    if (id.ok()) {
      if (!Contains(out, *id)) out.push_back(*id);
      continue;
    }
    std::vector<const WriterMetadataInfo*> named = Matching(writers, arg);
    if (named.empty()) {
      return Status(Code::kObjectNotFound,
                    "--exclude-writer \"" + arg +
                        "\": no writer of that name (or instance id) "
                        "answered; writers: " +
                        Names(writers));
    }
    for (const WriterMetadataInfo* w : named) {
      if (!Contains(out, w->instance_id)) out.push_back(w->instance_id);
    }
  }
  return out;
}

WriterPick& PickFor(SelectionPlan& plan, const WriterMetadataInfo* writer) {
  for (WriterPick& p : plan.writers) {
    if (p.writer == writer) return p;
  }
  plan.writers.push_back(WriterPick{writer, {}});
  return plan.writers.back();
}

void AddOnce(WriterPick& pick, const WmdComponent* component) {
  if (std::find(pick.components.begin(), pick.components.end(), component) ==
      pick.components.end()) {
    pick.components.push_back(component);
  }
}

}  // namespace

Result<ComponentArg> ParseComponentArg(std::string_view text) {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 ||
      colon + 1 == text.size()) {
    return Status(Code::kInvalidArg,
                  "--component \"" + std::string(text) +
                      "\": expected WRITER:LOGICAL\\PATH\\NAME (a writer name "
                      "or instance id, ':', the component's full path as "
                      "`shadowport writers --metadata` shows it)");
  }
  return ComponentArg{std::string(text.substr(0, colon)),
                      std::string(text.substr(colon + 1))};
}

Result<SelectionPlan> PlanSelection(
    std::span<const WriterMetadataInfo> writers,
    const std::vector<std::string>& exclude_args,
    const std::vector<std::string>& component_args) {
  SelectionPlan plan;
  SP_ASSIGN_OR_RETURN(plan.excluded, ResolveExcluded(writers, exclude_args));

  if (component_args.empty()) {
    for (const WriterMetadataInfo& w : writers) {
      if (Contains(plan.excluded, w.instance_id)) continue;
      WriterPick& pick = PickFor(plan, &w);
      for (const WmdComponent* c : TopLevelComponents(w.wmd)) {
        AddOnce(pick, c);
      }
    }
    return plan;
  }

  for (const std::string& text : component_args) {
    SP_ASSIGN_OR_RETURN(ComponentArg arg, ParseComponentArg(text));
    std::vector<const WriterMetadataInfo*> named =
        Matching(writers, arg.writer);
    if (named.empty()) {
      return Status(Code::kObjectNotFound, "--component \"" + text +
                                               "\": no writer named \"" +
                                               arg.writer +
                                               "\" (or with that instance id) "
                                               "answered; writers: " +
                                               Names(writers));
    }
    if (named.size() > 1) {
      std::string ids;
      for (const WriterMetadataInfo* w : named) {
        ids += (ids.empty() ? "" : ", ") + w->instance_id.ToString();
      }
      std::string message = "--component \"";
      message += text;
      message += "\": " + std::to_string(named.size());
      message += " instances of writer \"";
      message += arg.writer;
      message += "\" answered (";
      message += ids;
      message += "); name one by its instance id";
      return Status(Code::kInvalidArg, std::move(message));
    }
    const WriterMetadataInfo* writer = named.front();
    if (Contains(plan.excluded, writer->instance_id)) {
      return Status(Code::kInvalidArg, "--component \"" + text +
                                           "\": writer \"" +
                                           writer->writer_name + "\" " +
                                           writer->instance_id.ToString() +
                                           " is excluded by --exclude-writer");
    }
    Result<const WmdComponent*> component =
        FindByFullPath(writer->wmd, arg.full_path);
    if (!component.ok()) {
      return std::move(component).status().WithContext("--component \"" + text +
                                                       "\"");
    }
    Status allowed =
        CheckExplicitSelection(writer->wmd, (*component)->type,
                               (*component)->logical_path, (*component)->name);
    if (!allowed.ok()) {
      return std::move(allowed).WithContext("--component \"" + text + "\"");
    }
    AddOnce(PickFor(plan, writer), *component);
  }
  // The writers named take part: their required components go in too. The
  // others sit this backup out.
  for (WriterPick& pick : plan.writers) {
    for (const WmdComponent* c : RequiredComponents(pick.writer->wmd)) {
      AddOnce(pick, c);
    }
  }
  // Back to the order the writers answered in, whatever the option order.
  std::sort(plan.writers.begin(), plan.writers.end(),
            [](const WriterPick& a, const WriterPick& b) {
              return a.writer < b.writer;  // pointers into one span
            });
  for (const WriterMetadataInfo& w : writers) {
    const bool picked =
        std::any_of(plan.writers.begin(), plan.writers.end(),
                    [&](const WriterPick& p) { return p.writer == &w; });
    if (!picked && !Contains(plan.excluded, w.instance_id)) {
      plan.excluded.push_back(w.instance_id);
    }
  }
  return plan;
}

}  // namespace sp::cli
