// UTF-8 at the boundaries where text enters (DESIGN.md "Boundaries where text
// and time change form"): every string a person typed is checked where it
// enters the SDK and the server, so that one bad string is one refused
// field, never a failed batch or an outbox that cannot drain.
#ifndef GRIDSYNC_CORE_UTF8_H_
#define GRIDSYNC_CORE_UTF8_H_

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "google/protobuf/message.h"

namespace gridsync::core {

// The offset of the first byte that does not start a well-formed UTF-8
// sequence (RFC 3629: no overlong forms, no surrogates U+D800..U+DFFF, nothing
// above U+10FFFF), or nullopt when all of `s` is well formed. Java's
// "modified UTF-8" (surrogate halves as 3-byte sequences, NUL as C0 80) is
// not UTF-8 and fails here.
std::optional<size_t> FirstInvalidUtf8(std::string_view s);

inline bool IsValidUtf8(std::string_view s) { return !FirstInvalidUtf8(s).has_value(); }

// "is not valid UTF-8 (bytes ED A0 BD at offset 12); ...": the bad bytes in
// hex and what to do, never the text itself. REQUIRES: offset < s.size().
std::string DescribeInvalidUtf8(std::string_view s, size_t offset);

// A string field of a message that is not well-formed UTF-8.
struct InvalidUtf8Field {
  std::string path;     // e.g. "create.fields[2].value.string_value"
  std::string message;  // the offset and the bad bytes in hex, never the text
};

// Which fields hold text; by default those of type `string`.
using IsTextField = std::function<bool(const google::protobuf::FieldDescriptor*)>;

// The first set text field of `msg` (depth first, in field number order,
// into nested messages) whose bytes are not well-formed UTF-8. The message
// starts with the record field's name when the bad text is inside a message
// that names one in a field called `field` (FieldWrite, SetField), e.g.
// "notes: string_value is not valid UTF-8 ...".
std::optional<InvalidUtf8Field> FindInvalidUtf8(const google::protobuf::Message& msg,
                                                const IsTextField& is_text = nullptr);

}  // namespace gridsync::core

#endif  // GRIDSYNC_CORE_UTF8_H_
