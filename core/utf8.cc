#include "core/utf8.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace gridsync::core {
namespace {
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// The length of the well-formed sequence at s[i], or 0 (Unicode 15, table
// 3-7: the second byte's range depends on the first).
size_t SequenceLength(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;  // no overlong forms
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;  // no overlong forms
    if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(1) < lo || b(1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (b(k) < 0x80 || b(k) > 0xBF) return 0;
  }
  return n;
}

std::optional<InvalidUtf8Field> Walk(const Message& msg, const std::string& path,
                                     const IsTextField& is_text, absl::string_view label) {
  const auto* refl = msg.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  refl->ListFields(msg, &fields);  // in field number order
  std::string scratch;
  // A FieldWrite or SetField names the record field its value is for.
  if (const FieldDescriptor* f = msg.GetDescriptor()->FindFieldByName("field");
      f != nullptr && f->cpp_type() == FieldDescriptor::CPPTYPE_STRING && !f->is_repeated()) {
    const std::string& name = refl->GetStringReference(msg, f, &scratch);
    if (!name.empty() && IsValidUtf8(name)) label = name;
  }
  for (const FieldDescriptor* f : fields) {
    const std::string fpath = path.empty() ? f->name() : absl::StrCat(path, ".", f->name());
    const bool text = f->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
                      (is_text ? is_text(f) : f->type() == FieldDescriptor::TYPE_STRING);
    const bool nested = f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
    if (!text && !nested) continue;
    const int n = f->is_repeated() ? refl->FieldSize(msg, f) : 1;
    for (int i = 0; i < n; ++i) {
      const std::string ipath = f->is_repeated() ? absl::StrCat(fpath, "[", i, "]") : fpath;
      if (text) {
        const std::string& s = f->is_repeated()
                                   ? refl->GetRepeatedStringReference(msg, f, i, &scratch)
                                   : refl->GetStringReference(msg, f, &scratch);
        if (auto bad = FirstInvalidUtf8(s)) {
          return InvalidUtf8Field{ipath, absl::StrCat(label, label.empty() ? "" : ": ", f->name(),
                                                      " ", DescribeInvalidUtf8(s, *bad))};
        }
      } else {
        const Message& sub =
            f->is_repeated() ? refl->GetRepeatedMessage(msg, f, i) : refl->GetMessage(msg, f);
        if (auto bad = Walk(sub, ipath, is_text, label)) return bad;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<size_t> FirstInvalidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    // ASCII runs are the common case (codes, ids, most field names).
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const size_t n = SequenceLength(s, i);
    if (n == 0) return i;
    i += n;
  }
  return std::nullopt;
}

std::optional<InvalidUtf8Field> FindInvalidUtf8(const Message& msg, const IsTextField& is_text) {
  return Walk(msg, "", is_text, "");
}

std::string DescribeInvalidUtf8(std::string_view s, size_t offset) {
  std::string hex;
  const size_t end = std::min(s.size(), offset + 4);
  for (size_t i = offset; i < end; ++i) {
    absl::StrAppendFormat(&hex, "%s%02X", i == offset ? "" : " ", static_cast<unsigned char>(s[i]));
  }
  return absl::StrFormat(
      "is not valid UTF-8 (bytes %s at offset %d); send text as standard UTF-8 "
      "(a JNI layer must not pass Java's modified UTF-8)",
      hex, offset);
}

}  // namespace gridsync::core
