// Enrolled devices (the authenticator's). One of the store's four parts
// (server/store.h).
#ifndef GRIDSYNC_SERVER_DEVICE_STORE_H_
#define GRIDSYNC_SERVER_DEVICE_STORE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gridsync/v1/registry.pb.h"

namespace gridsync::server {

class DeviceStore {
 public:
  virtual ~DeviceStore() = default;

  virtual absl::Status PutDevice(const gridsync::v1::Device& device) = 0;
  virtual absl::StatusOr<std::vector<gridsync::v1::Device>> ListDevices() = 0;
};

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_DEVICE_STORE_H_
