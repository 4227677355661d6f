#include "server/rocks_devices.h"

#include <memory>

#include "server/rocks_util.h"

namespace gridsync::server {

absl::Status RocksDevices::PutDevice(const gridsync::v1::Device& device) {
  if (auto st = check_space_(); !st.ok()) return st;  // as every write: never ENOSPC in RocksDB
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->Put(wo, devices_, device.device_id(), device.SerializeAsString()),
                   "writing a device");
}

absl::StatusOr<std::vector<gridsync::v1::Device>> RocksDevices::ListDevices() {
  std::vector<gridsync::v1::Device> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), devices_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    out.emplace_back();
    out.back().ParseFromArray(it->value().data(), static_cast<int>(it->value().size()));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "listing devices");
  return out;
}

}  // namespace gridsync::server
