#include "core/attachment.h"

#include <openssl/evp.h>

#include <array>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/schema.h"

namespace gridsync::core {
namespace {

struct TypeSignature {
  std::string_view type, extension, magic;
};
constexpr std::array<TypeSignature, 3> kTypes = {{
    {"image/jpeg", "jpg", std::string_view("\xFF\xD8\xFF", 3)},
    {"image/png", "png", std::string_view("\x89PNG\r\n\x1A\n", 8)},
    {"application/pdf", "pdf", "%PDF-"},
}};

std::array<uint32_t, 256> Crc32cTable() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    t[i] = c;
  }
  return t;
}

}  // namespace

bool IsSha256Hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool IsAllowedContentType(std::string_view type) { return !ExtensionOf(type).empty(); }

std::string SniffContentType(std::string_view head) {
  for (const auto& t : kTypes) {
    if (head.substr(0, t.magic.size()) == t.magic) return std::string(t.type);
  }
  return {};
}

std::string ExtensionOf(std::string_view content_type) {
  for (const auto& t : kTypes) {
    if (t.type == content_type) return std::string(t.extension);
  }
  return {};
}

std::optional<std::string> CheckPhotoRef(const gridsync::v1::PhotoRef& ref) {
  if (!IsSha256Hex(ref.sha256())) {
    return "sha256 must be the 64 lowercase hex digits of the bytes' SHA-256; attach files with "
           "the SDK";
  }
  if (ref.size() <= 0 || ref.size() > kMaxAttachmentBytesCeiling) {
    return absl::StrCat("size ", ref.size(), " is not between 1 and ",
                        kMaxAttachmentBytesCeiling >> 20, " MB");
  }
  if (!IsAllowedContentType(ref.content_type())) {
    return absl::StrCat("content_type '", ref.content_type().substr(0, 64),
                        "' is not image/jpeg, image/png or application/pdf");
  }
  if (ref.file_name().size() > kMaxAttachmentFileName || absl::StrContains(ref.file_name(), '/') ||
      absl::StrContains(ref.file_name(), '\\') || ref.file_name() == "." ||
      ref.file_name() == "..") {
    return "file_name must be a name without folders, at most 255 bytes";
  }
  return std::nullopt;
}

std::vector<gridsync::v1::PhotoRef> AttachmentsOf(const gridsync::v1::RecordState& state) {
  std::vector<gridsync::v1::PhotoRef> out;
  const KindSchema* schema = SchemaFor(state.header().kind());
  if (schema == nullptr) return out;
  std::set<std::string, std::less<>> seen;
  for (const auto& log : state.logs()) {
    const FieldSpec* spec = schema->Find(log.log());
    if (spec == nullptr || spec->role != FieldRole::kLog ||
        spec->field->message_type() != gridsync::v1::PhotoRef::descriptor()) {
      continue;
    }
    for (const auto& e : log.elements()) {
      gridsync::v1::PhotoRef ref;
      if (!ref.ParseFromString(e.payload()) || !seen.insert(ref.sha256()).second) continue;
      out.push_back(std::move(ref));
    }
  }
  return out;
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr);
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256::Update(std::string_view bytes) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), bytes.data(), bytes.size());
}

std::string Sha256::HexDigest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), digest, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 15]);
  }
  return hex;
}

std::string Sha256Hex(std::string_view bytes) {
  Sha256 h;
  h.Update(bytes);
  return h.HexDigest();
}

uint32_t Crc32c(std::string_view bytes, uint32_t crc) {
  static const std::array<uint32_t, 256> table = Crc32cTable();
  crc = ~crc;
  for (unsigned char b : bytes) crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

}  // namespace gridsync::core
