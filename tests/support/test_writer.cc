// sp-test-writer: a trivial writer speaking proto/writer.proto, for tests of
// the writer manager and of shadowportd. It registers, prints "ready" on
// stdout, then answers every event in order, on one thread:
//   --veto-at EVENT   answers EVENT with VSS_E_WRITERERROR_RETRYABLE
//   --hang-at EVENT   never answers EVENT (later events are answered)
//   --crash-at EVENT  exits with status 3 on receiving EVENT
//   --log FILE        appends "EVENT set=<snapshot set id>" per event
//                     received (before acting on it), flushed at once
// EVENT is a proto kind name, "FREEZE" or "PREPARE_FOR_BACKUP"; the VSS
// spelling ("Freeze", "PrepareForBackup") is accepted too. The log uses the
// proto names.
//
// Exit status: 0 when the service ended the stream, 2 when the registration
// was refused or the socket could not be reached (the status on stderr),
// 3 for --crash-at, 1 for bad options.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "shadowport/documents.h"
#include "shadowport/guid.h"
#include "writer.grpc.pb.h"

namespace {

namespace wpb = ::shadowport::writer::v1;

constexpr char kDefaultWriterId[] = "{5e1f0c2a-7b3d-4c8e-9f10-2a3b4c5d6e7f}";

// "PrepareForBackup", "prepare_for_backup", "PREPARE_FOR_BACKUP" -> the
// same key.
std::string Key(const std::string& name) {
  std::string key;
  for (char c : name) {
    if (c != '_' && c != '-') {
      key += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  return key;
}

bool Matches(wpb::WriterEvent::Kind kind, const std::string& option) {
  return !option.empty() &&
         Key(wpb::WriterEvent::Kind_Name(kind)) == Key(option);
}

bool ValidEventName(const std::string& option) {
  if (option.empty()) return true;
  for (int k = wpb::WriterEvent::Kind_MIN; k <= wpb::WriterEvent::Kind_MAX;
       ++k) {
    if (wpb::WriterEvent::Kind_IsValid(k) &&
        Matches(static_cast<wpb::WriterEvent::Kind>(k), option)) {
      return true;
    }
  }
  return false;
}

// A minimal valid WMD: one selectable file group.
std::string BuiltInWmd(const sp::Guid& writer_id, const sp::Guid& instance_id,
                       const std::string& name) {
  sp::WriterMetadata wmd;
  wmd.identity.writer_id = writer_id;
  wmd.identity.instance_id = instance_id;
  wmd.identity.writer_name = name;
  wmd.identity.instance_name = "test instance";
  sp::WmdComponent component;
  component.type = sp::ComponentType::kFileGroup;
  component.name = "data";
  component.caption = "test data";
  component.notify_on_backup_complete = true;
  component.selectable = true;
  component.selectable_for_restore = true;
  sp::FileDescriptor files;
  files.path = "/var/lib/sp-test-writer";
  files.filespec = "*";
  files.recursive = true;
  component.files.push_back(files);
  wmd.components.push_back(component);
  sp::Result<std::string> xml = sp::SaveWmd(wmd);
  if (!xml.ok()) {
    std::cerr << "sp-test-writer: built-in WMD: " << xml.status().ToString()
              << "\n";
    std::exit(1);
  }
  return *xml;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("sp-test-writer: a scriptable writer for tests");
  std::string socket, name = "sp-test-writer", writer_id, instance_id;
  std::string wmd_file, veto_at, hang_at, crash_at, log_file;
  app.add_option("--socket", socket, "shadowportd's writer socket")->required();
  app.add_option("--name", name, "writer name");
  app.add_option("--writer-id", writer_id, "writer class GUID");
  app.add_option("--instance-id", instance_id, "instance GUID (else random)");
  app.add_option("--wmd", wmd_file, "WMD file (else a built-in one)");
  app.add_option("--veto-at", veto_at, "event answered RETRYABLE");
  app.add_option("--hang-at", hang_at, "event never answered");
  app.add_option("--crash-at", crash_at, "event that makes it exit(3)");
  app.add_option("--log", log_file, "file to append received events to");
  CLI11_PARSE(app, argc, argv);
  for (const std::string* e : {&veto_at, &hang_at, &crash_at}) {
    if (!ValidEventName(*e)) {
      std::cerr << "sp-test-writer: unknown event \"" << *e << "\"\n";
      return 1;
    }
  }

  std::string wmd_xml;
  if (!wmd_file.empty()) {
    std::ifstream in(wmd_file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      std::cerr << "sp-test-writer: cannot read " << wmd_file << "\n";
      return 1;
    }
    wmd_xml = text.str();
    // Ids not given are taken from the file (if it loads; a broken WMD is
    // sent as it is, for tests of the refusal).
    sp::Result<sp::WriterMetadata> wmd = sp::LoadWmd(wmd_xml);
    if (wmd.ok()) {
      if (writer_id.empty()) writer_id = wmd->identity.writer_id.ToString();
      if (instance_id.empty()) {
        instance_id = wmd->identity.instance_id.ToString();
      }
    }
  }
  if (writer_id.empty()) writer_id = kDefaultWriterId;
  if (instance_id.empty()) {
    sp::Result<sp::Guid> random = sp::Guid::Random();
    if (!random.ok()) return 1;
    instance_id = random->ToString();
  }
  if (wmd_xml.empty()) {
    sp::Result<sp::Guid> w = sp::Guid::Parse(writer_id);
    sp::Result<sp::Guid> i = sp::Guid::Parse(instance_id);
    if (!w.ok() || !i.ok()) {
      std::cerr << "sp-test-writer: --writer-id/--instance-id: not GUIDs\n";
      return 1;
    }
    wmd_xml = BuiltInWmd(*w, *i, name);
  }

  std::FILE* log = nullptr;
  if (!log_file.empty()) {
    log = std::fopen(log_file.c_str(), "a");
    if (log == nullptr) {
      std::perror(log_file.c_str());
      return 1;
    }
  }

  auto channel =
      grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials());
  auto stub = wpb::Writers::NewStub(channel);
  // The Connect stream lives as long as the writer: no deadline (the
  // protocol's one exception); waiting for the socket to appear is bounded.
  grpc::ClientContext context;
  context.set_wait_for_ready(true);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                 std::chrono::seconds(10))) {
    std::cerr << "sp-test-writer: cannot connect to " << socket << "\n";
    return 2;
  }
  auto stream = stub->Connect(&context);

  wpb::WriterMessage hello;
  wpb::Registration* r = hello.mutable_registration();
  r->set_writer_id(writer_id);
  r->set_instance_id(instance_id);
  r->set_writer_name(name);
  r->set_instance_name("test instance");
  r->set_wmd_xml(wmd_xml);
  stream->Write(hello);

  wpb::WriterEvent event;
  if (!stream->Read(&event) || event.kind() != wpb::WriterEvent::REGISTERED) {
    stream->WritesDone();
    grpc::Status status = stream->Finish();
    std::string code = "?";
    for (const auto& [key, value] : context.GetServerTrailingMetadata()) {
      if (key == "shadowport-code") code.assign(value.data(), value.size());
    }
    std::cerr << "sp-test-writer: registration refused: " << code << ": "
              << status.error_message() << "\n";
    return 2;
  }
  std::cout << "ready" << std::endl;

  while (stream->Read(&event)) {
    const wpb::WriterEvent::Kind kind = event.kind();
    if (log != nullptr) {
      std::fprintf(log, "%s set=%s\n",
                   wpb::WriterEvent::Kind_Name(kind).c_str(),
                   event.snapshot_set_id().c_str());
      std::fflush(log);
    }
    if (Matches(kind, crash_at)) std::_Exit(3);
    if (Matches(kind, hang_at)) continue;
    wpb::WriterMessage answer;
    wpb::EventReply* reply = answer.mutable_reply();
    reply->set_event_id(event.event_id());
    if (Matches(kind, veto_at)) {
      reply->set_ok(false);
      reply->set_failure_code("VSS_E_WRITERERROR_RETRYABLE");
      reply->set_app_message("vetoed by --veto-at");
    } else {
      reply->set_ok(true);
      if (kind == wpb::WriterEvent::IDENTIFY) reply->set_wmd_xml(wmd_xml);
    }
    if (!stream->Write(answer)) break;
  }
  grpc::Status status = stream->Finish();
  if (log != nullptr) std::fclose(log);
  (void)status;  // the service ended the stream: stopping or refusing us
  return 0;
}
