// Who runs a command on the server's own machine (gridsyncd init, a
// restore by gridsyncctl): no device, a local user.
#ifndef GRIDSYNC_SERVER_LOCAL_ACTOR_H_
#define GRIDSYNC_SERVER_LOCAL_ACTOR_H_

#include <pwd.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "gridsync/v1/mutation.pb.h"

namespace gridsync::server {

// "local user NAME (uid N)", without a device.
inline gridsync::v1::Actor LocalActor() {
  const uid_t uid = geteuid();
  const struct passwd* pw = getpwuid(uid);
  gridsync::v1::Actor a;
  a.set_holder(absl::StrCat("local user ", pw != nullptr ? pw->pw_name : "?", " (uid ", uid, ")"));
  return a;
}

}  // namespace gridsync::server

#endif  // GRIDSYNC_SERVER_LOCAL_ACTOR_H_
