// The devices part of the RocksDB store (server/device_store.h): one entry
// per enrolled device in the `devices` column family.
#ifndef GRIDSYNC_SERVER_ROCKS_DEVICES_H_
#define GRIDSYNC_SERVER_ROCKS_DEVICES_H_

#include <functional>

#include "rocksdb/db.h"
#include "server/device_store.h"

namespace gridsync::server {

class RocksDevices : public DeviceStore {
 public:
  // `check_space` is asked before every write (the store's free-space
  // guard). REQUIRES: db and devices outlive this.
  RocksDevices(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* devices,
               std::function<absl::Status()> check_space)
      : db_(db), devices_(devices), check_space_(std::move(check_space)) {}

  absl::Status PutDevice(const gridsync::v1::Device& device) override;
  absl::StatusOr<std::vector<gridsync::v1::Device>> ListDevices() override;

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* devices_;
  std::function<absl::Status()> check_space_;
};

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_ROCKS_DEVICES_H_
