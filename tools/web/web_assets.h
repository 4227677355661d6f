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

// The Chinese font the console serves at /static/font.ttc (Debian's
// fonts-wqy-microhei, found at build time), so that pages and the printed
// 通报 look the same on an office PC without it; "" when the build found none.
std::string WebFontPath();

}  // namespace gridsync::web

#endif  // GRIDSYNC_TOOLS_WEB_WEB_ASSETS_H_
