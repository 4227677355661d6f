// Attachments (records.proto PhotoRef): what a reference must hold, the
// bytes' names and checks, shared by the server's blob store and the SDK's.
// The bytes themselves never pass through core/.
#ifndef GRIDSYNC_CORE_ATTACHMENT_H_
#define GRIDSYNC_CORE_ATTACHMENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gridsync/v1/record_state.pb.h"
#include "gridsync/v1/records.pb.h"

namespace gridsync::core {

// No server may be configured to take more per attachment than this; the
// default limit is 10 MB (gridsyncd --max-attachment-mb).
inline constexpr int64_t kMaxAttachmentBytesCeiling = int64_t{100} << 20;
inline constexpr int64_t kDefaultMaxAttachmentBytes = int64_t{10} << 20;
inline constexpr size_t kMaxAttachmentFileName = 255;

// True for 64 lowercase hex digits.
bool IsSha256Hex(std::string_view s);

// The content types attachments may have: image/jpeg, image/png,
// application/pdf.
bool IsAllowedContentType(std::string_view type);

// The allowed type whose signature `head` (the first bytes of a file; 8 are
// enough) starts with; empty when none does.
std::string SniffContentType(std::string_view head);

// The file extension for an allowed type: "jpg", "png", "pdf".
std::string ExtensionOf(std::string_view content_type);

// What is wrong with a reference a phone wrote (an append to a log of
// PhotoRefs), as a message a person can act on; nullopt when nothing is.
// Checks the hash, a size in 1..kMaxAttachmentBytesCeiling, the type and a
// file name without folders; the server's own, lower limits are checked at
// upload (BlobService.BeginUpload).
std::optional<std::string> CheckPhotoRef(const gridsync::v1::PhotoRef& ref);

// Every attachment a record references, from the logs of PhotoRefs of its
// merged state, in log order; a hash referenced twice is listed once.
// REQUIRES: state canonical and its header's kind known.
std::vector<gridsync::v1::PhotoRef> AttachmentsOf(const gridsync::v1::RecordState& state);

// SHA-256, fed in pieces.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(std::string_view bytes);
  std::string HexDigest();  // 64 lowercase hex digits; ends the hash

 private:
  void* ctx_;  // EVP_MD_CTX
};
std::string Sha256Hex(std::string_view bytes);

// CRC-32C (Castagnoli) of `bytes`, continuing from `crc` (0 to start): the
// checksum of an upload chunk.
uint32_t Crc32c(std::string_view bytes, uint32_t crc = 0);

}  // namespace gridsync::core

#endif  // GRIDSYNC_CORE_ATTACHMENT_H_
