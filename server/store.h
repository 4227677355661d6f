// The store the services use (DESIGN.md section 6), in four parts along the
// lines its callers use: records and their change log, the registry,
// devices, and coverage. Each service takes the parts it needs. The one
// implementation is RocksStore (server/rocks_store.h); services never see
// RocksDB.
#ifndef GRIDSYNC_SERVER_STORE_H_
#define GRIDSYNC_SERVER_STORE_H_

#include "server/coverage_store.h"
#include "server/device_store.h"
#include "server/record_store.h"
#include "server/registry_store.h"

#endif  // GRIDSYNC_SERVER_STORE_H_
