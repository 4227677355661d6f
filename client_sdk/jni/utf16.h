// Java strings are UTF-16; the SDK speaks standard UTF-8. JNI's own
// GetStringUTFChars/NewStringUTF speak Java's *modified* UTF-8, in which a
// character outside the BMP (𠮷, 𡒄, emoji) is two 3-byte surrogate halves:
// not UTF-8, refused by protobuf. These two functions are the real codec.
#ifndef GRIDSYNC_CLIENT_SDK_JNI_UTF16_H_
#define GRIDSYNC_CLIENT_SDK_JNI_UTF16_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gridsync::jni {

// UTF-16 to UTF-8. A surrogate pair becomes one 4-byte sequence. A lone
// surrogate (a broken Java string) is written as its 3-byte form, which is
// not well-formed UTF-8, so that the SDK's check at write time refuses it
// naming the field, instead of this layer silently altering the text.
inline std::string Utf16ToUtf8(const char16_t* s, size_t n) {
  std::string out;
  out.reserve(n * 3);
  for (size_t i = 0; i < n; ++i) {
    uint32_t c = s[i];
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF) {
      c = 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00);
      ++i;
    }
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (c >> 18)));
      out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

// UTF-8 to UTF-16. Everything the SDK hands back was checked as UTF-8 when
// it entered; should a byte still not decode, it becomes U+FFFD rather than
// ending the string.
inline std::u16string Utf8ToUtf16(std::string_view s) {
  std::u16string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const unsigned char c = b(0);
    size_t n = 0;
    uint32_t cp = 0, min = 0;
    if (c < 0x80) {
      n = 1, cp = c;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 2, cp = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3, cp = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4, cp = c & 0x07, min = 0x10000;
    }
    bool ok = n > 0 && i + n <= s.size();
    for (size_t k = 1; ok && k < n; ++k) {
      ok = (b(k) & 0xC0) == 0x80;
      cp = (cp << 6) | (b(k) & 0x3F);
    }
    ok = ok && cp >= min && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
    if (!ok) {
      out.push_back(u'\uFFFD');
      ++i;
      continue;
    }
    if (cp >= 0x10000) {
      out.push_back(static_cast<char16_t>(0xD800 + ((cp - 0x10000) >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + ((cp - 0x10000) & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
    i += n;
  }
  return out;
}

}  // namespace gridsync::jni

#endif  // GRIDSYNC_CLIENT_SDK_JNI_UTF16_H_
