#include "array/rpc/proto_convert.h"

#include <utility>

namespace sp::array::rpc {

std::string GuidToText(const Guid& guid) {
  return guid.IsNull() ? std::string() : guid.ToString();
}

Result<Guid> GuidFromText(const std::string& text) {
  if (text.empty()) return Guid();
  return Guid::Parse(text);
}

void ToProto(const LunInfo& lun, pb::Lun* out) {
  out->set_array_id(lun.array_id);
  out->set_id(lun.id);
  out->set_name(lun.name);
  out->set_serial(lun.serial);
  out->set_naa(lun.naa);
  out->set_vendor(lun.vendor);
  out->set_product(lun.product);
  out->set_revision(lun.revision);
  out->set_size_bytes(lun.size_bytes);
  out->set_created_us(lun.created_us);
  out->set_is_snapshot(lun.is_snapshot);
  out->set_origin_lun_id(lun.origin_lun_id);
  out->set_origin_naa(lun.origin_naa);
  out->set_snapshot_set_id(GuidToText(lun.snapshot_set_id));
  out->set_creating_host(lun.creating_host);
  out->set_transportable(lun.transportable);
  for (const std::string& host : lun.importers) out->add_importers(host);
  out->set_read_only(lun.read_only);
  for (const std::string& host : lun.presented_to) out->add_presented_to(host);
  for (const Attachment& a : lun.attachments) {
    pb::Attachment* pa = out->add_attachments();
    pa->set_host(a.host);
    pa->set_device(a.device);
    pa->set_since_us(a.since_us);
  }
  for (const std::string& host : lun.mounted_read_write_by) {
    out->add_mounted_read_write_by(host);
  }
}

Result<LunInfo> FromProto(const pb::Lun& lun) {
  LunInfo out;
  out.array_id = lun.array_id();
  out.id = lun.id();
  out.name = lun.name();
  out.serial = lun.serial();
  out.naa = lun.naa();
  out.vendor = lun.vendor();
  out.product = lun.product();
  out.revision = lun.revision();
  out.size_bytes = lun.size_bytes();
  out.created_us = lun.created_us();
  out.is_snapshot = lun.is_snapshot();
  out.origin_lun_id = lun.origin_lun_id();
  out.origin_naa = lun.origin_naa();
  Result<Guid> set_id = GuidFromText(lun.snapshot_set_id());
  if (!set_id.ok()) {
    return std::move(set_id).status().WithContext("LUN " +
                                                  std::to_string(lun.id()));
  }
  out.snapshot_set_id = *set_id;
  out.creating_host = lun.creating_host();
  out.transportable = lun.transportable();
  out.importers.assign(lun.importers().begin(), lun.importers().end());
  out.read_only = lun.read_only();
  out.presented_to.assign(lun.presented_to().begin(), lun.presented_to().end());
  for (const pb::Attachment& a : lun.attachments()) {
    out.attachments.push_back(Attachment{a.host(), a.device(), a.since_us()});
  }
  out.mounted_read_write_by.assign(lun.mounted_read_write_by().begin(),
                                   lun.mounted_read_write_by().end());
  return out;
}

void ToProto(const HostInfo& host, pb::Host* out) {
  out->set_name(host.name);
  out->set_cluster(host.cluster);
  out->set_created_us(host.created_us);
}

HostInfo FromProto(const pb::Host& host) {
  return HostInfo{host.name(), host.cluster(), host.created_us()};
}

void ToProto(const PoolStatus& status, pb::GetStatusResponse* out) {
  out->set_pool_dir(status.pool_dir);
  out->set_array_id(status.array_id);
  out->mutable_space()->set_total_bytes(status.space.total_bytes);
  out->mutable_space()->set_free_bytes(status.space.free_bytes);
  out->set_free_space_floor_bytes(status.free_space_floor_bytes);
  out->set_lun_count(status.lun_count);
  out->set_snapshot_count(status.snapshot_count);
  out->set_host_count(status.host_count);
}

PoolStatus FromProto(const pb::GetStatusResponse& status) {
  PoolStatus out;
  out.pool_dir = status.pool_dir();
  out.array_id = status.array_id();
  out.space.total_bytes = status.space().total_bytes();
  out.space.free_bytes = status.space().free_bytes();
  out.free_space_floor_bytes = status.free_space_floor_bytes();
  out.lun_count = status.lun_count();
  out.snapshot_count = status.snapshot_count();
  out.host_count = status.host_count();
  return out;
}

}  // namespace sp::array::rpc
