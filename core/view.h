// The readable view of a merged record: winners in the typed message,
// conflicts beside them.
#ifndef GRIDSYNC_CORE_VIEW_H_
#define GRIDSYNC_CORE_VIEW_H_

#include "gridsync/v1/record_state.pb.h"

namespace gridsync::core {

// REQUIRES: state canonical and its header's kind known.
gridsync::v1::Record BuildView(const gridsync::v1::RecordState& state);

}  // namespace gridsync::core

#endif  // GRIDSYNC_CORE_VIEW_H_
