// The console's own files (tools/web/assets), compiled into gridsync-web
// at build time (cmake/embed_web_assets.cmake), so that it serves every
// script and style itself: county networks are often cut off from the
// internet, and nothing is fetched from elsewhere.
#ifndef GRIDSYNC_TOOLS_WEB_WEB_ASSETS_H_
#define GRIDSYNC_TOOLS_WEB_WEB_ASSETS_H_

#include <span>
#include <string>
#include <string_view>

namespace gridsync::web {

struct WebAsset {
  const char* path;          // "/" or "/static/app.js"
  const char* content_type;  // with charset for text
  std::string_view body;
};

std::span<const WebAsset> WebAssets();

// The Chinese fonts the console serves (static/fonts.css names them), so
// that pages and the printed 通报 look the same on an office PC without
// them: Debian's fonts-wqy-microhei for the common characters, and
// fonts-hanazono's HanaMinB for those outside the BMP (CJK Ext B and after:
// 𠮷, 𡒄 in names), which a browser fetches only for a page holding one
// (unicode-range). `file` is where the build found it, "" when it did not.
struct WebFont {
  const char* path;  // "/static/font.ttc"
  const char* content_type;
  std::string file;
};
std::span<const WebFont> WebFonts();

}  // namespace gridsync::web

#endif  // GRIDSYNC_TOOLS_WEB_WEB_ASSETS_H_
