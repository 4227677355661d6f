#!/usr/bin/env bash
# The SDK as an Android library (AAR): one self-contained libgridsync_jni.so per
# ABI, exporting only the JNI functions and the C API (client_sdk/jni/exports.map),
# the Java classes built for Java 11, their consumer R8 rules and the manifest.
#
#   scripts/android_build.sh --ndk DIR [--abi arm64-v8a] [--abi x86_64] [--api 26]
#       Cross-builds the dependencies (Abseil, protobuf, c-ares, RE2, BoringSSL,
#       gRPC, RocksDB) from their release sources as static PIC libraries with
#       the NDK's CMake toolchain into build-android/deps/<abi>, then the SDK
#       (GRIDSYNC_SDK_ONLY) against them, so the .so needs nothing but the
#       system's libc, libm, libdl and liblog. Needs the network for the sources
#       (kept in build-android/src) and the host's protoc and grpc_cpp_plugin
#       (Debian's protobuf-compiler and protobuf-compiler-grpc, the same
#       releases: protobuf 3.21.12, gRPC 1.51.1).
#   scripts/android_build.sh --host
#       The same SDK build and AAR assembly for this machine, against Debian's
#       libraries (shared here, so the .so is not self-contained): what runs
#       where no NDK can be fetched, as on the machines this project is tested on.
#
# Output: build-android/gridsync-VERSION.aar (with jni/<abi>/libgridsync_jni.so for
# every ABI built). The NDK mode has not been run on this project's machines
# (no NDK can be fetched there); the host mode runs in the test suite.
set -euo pipefail
export PATH
cd "$(dirname "$0")/.."
src=$(pwd)
out=$src/build-android
ndk="" api=26 host=0
abis=()
while [ $# -gt 0 ]; do
  case "$1" in
    --ndk) ndk=$2; shift 2 ;;
    --abi) abis+=("$2"); shift 2 ;;
    --api) api=$2; shift 2 ;;
    --host) host=1; shift ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "android_build: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ "$host" = 0 ] && [ -z "$ndk" ]; then
  echo "android_build: give --ndk DIR (the Android NDK), or --host" >&2
  exit 2
fi
[ ${#abis[@]} -gt 0 ] || abis=(arm64-v8a x86_64)
version=$(sed -n 's/^project(gridsync VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
mkdir -p "$out"
jobs=$(nproc)

# ---- dependencies, from source, for one ABI (NDK mode) ----------------------
fetch() {  # fetch NAME URL: the source tree of a release in $out/src/NAME
  local name=$1 url=$2
  [ -d "$out/src/$name" ] && return
  mkdir -p "$out/src/$name.tmp"
  curl -fsSL "$url" | tar -xz -C "$out/src/$name.tmp" --strip-components=1
  mv "$out/src/$name.tmp" "$out/src/$name"
}
dep() {  # dep NAME ABI CMAKE_ARGS...: configure, build and install one dependency
  local name=$1 abi=$2
  shift 2
  local prefix=$out/deps/$abi
  [ -f "$prefix/.done-$name" ] && return
  cmake -S "$out/src/$name" -B "$out/deps-build/$abi/$name" -G "Unix Makefiles" \
    -DCMAKE_TOOLCHAIN_FILE="$ndk/build/cmake/android.toolchain.cmake" \
    -DANDROID_ABI="$abi" -DANDROID_PLATFORM="android-$api" -DANDROID_STL=c++_static \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DBUILD_SHARED_LIBS=OFF \
    -DCMAKE_CXX_STANDARD=17 -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_FIND_ROOT_PATH="$prefix" "$@" >"$out/deps-build/$abi-$name.log" 2>&1 ||
    { tail -30 "$out/deps-build/$abi-$name.log"; exit 1; }
  cmake --build "$out/deps-build/$abi/$name" -j"$jobs" --target install \
    >>"$out/deps-build/$abi-$name.log" 2>&1 || { tail -30 "$out/deps-build/$abi-$name.log"; exit 1; }
  touch "$prefix/.done-$name"
}
build_deps() {
  local abi=$1
  mkdir -p "$out/deps-build/$abi"
  fetch abseil https://github.com/abseil/abseil-cpp/archive/refs/tags/20220623.1.tar.gz
  fetch protobuf https://github.com/protocolbuffers/protobuf/archive/refs/tags/v21.12.tar.gz
  fetch c-ares https://github.com/c-ares/c-ares/archive/refs/tags/cares-1_18_1.tar.gz
  fetch re2 https://github.com/google/re2/archive/refs/tags/2022-06-01.tar.gz
  fetch boringssl https://github.com/google/boringssl/archive/refs/heads/0.20221121.0.tar.gz
  fetch grpc https://github.com/grpc/grpc/archive/refs/tags/v1.51.1.tar.gz
  fetch rocksdb https://github.com/facebook/rocksdb/archive/refs/tags/v7.8.3.tar.gz
  dep abseil "$abi" -DABSL_PROPAGATE_CXX_STD=ON -DABSL_BUILD_TESTING=OFF
  dep protobuf "$abi" -Dprotobuf_BUILD_TESTS=OFF -Dprotobuf_BUILD_PROTOC_BINARIES=OFF \
    -Dprotobuf_ABSL_PROVIDER=package -Dprotobuf_WITH_ZLIB=OFF
  dep c-ares "$abi" -DCARES_STATIC=ON -DCARES_SHARED=OFF -DCARES_BUILD_TOOLS=OFF
  dep re2 "$abi" -DRE2_BUILD_TESTING=OFF
  dep boringssl "$abi" -DBUILD_TESTING=OFF
  # gRPC with everything from the prefix; zlib from the NDK's sysroot.
  dep grpc "$abi" -DgRPC_BUILD_TESTS=OFF -DgRPC_BUILD_CODEGEN=OFF -DgRPC_INSTALL=ON \
    -DgRPC_BUILD_GRPC_CPP_PLUGIN=OFF -DgRPC_BUILD_GRPC_CSHARP_PLUGIN=OFF \
    -DgRPC_BUILD_GRPC_NODE_PLUGIN=OFF -DgRPC_BUILD_GRPC_OBJECTIVE_C_PLUGIN=OFF \
    -DgRPC_BUILD_GRPC_PHP_PLUGIN=OFF -DgRPC_BUILD_GRPC_PYTHON_PLUGIN=OFF \
    -DgRPC_BUILD_GRPC_RUBY_PLUGIN=OFF -DgRPC_ABSL_PROVIDER=package \
    -DgRPC_PROTOBUF_PROVIDER=package -DgRPC_CARES_PROVIDER=package -DgRPC_RE2_PROVIDER=package \
    -DgRPC_SSL_PROVIDER=package -DgRPC_ZLIB_PROVIDER=package \
    -DOPENSSL_ROOT_DIR="$out/deps/$abi" -D_gRPC_PROTOBUF_PROTOC_EXECUTABLE=/usr/bin/protoc
  dep rocksdb "$abi" -DWITH_TESTS=OFF -DWITH_TOOLS=OFF -DWITH_BENCHMARK_TOOLS=OFF \
    -DWITH_CORE_TOOLS=OFF -DWITH_GFLAGS=OFF -DWITH_JNI=OFF -DROCKSDB_BUILD_SHARED=OFF \
    -DFAIL_ON_WARNINGS=OFF -DPORTABLE=ON -DWITH_SNAPPY=OFF -DWITH_LZ4=OFF -DWITH_ZSTD=OFF
}

# ---- the SDK for one ABI ------------------------------------------------------
sdk() {  # sdk ABI: libgridsync_jni.so for it, in $out/sdk/ABI
  local abi=$1
  local args=(-DGRIDSYNC_SDK_ONLY=ON -DCMAKE_BUILD_TYPE=Release)
  if [ "$host" = 0 ]; then
    args+=(-DCMAKE_TOOLCHAIN_FILE="$ndk/build/cmake/android.toolchain.cmake"
      -DANDROID_ABI="$abi" -DANDROID_PLATFORM="android-$api" -DANDROID_STL=c++_static
      -DCMAKE_PREFIX_PATH="$out/deps/$abi" -DCMAKE_FIND_ROOT_PATH="$out/deps/$abi"
      -DProtobuf_PROTOC_EXECUTABLE=/usr/bin/protoc
      -DGRIDSYNC_GRPC_CPP_PLUGIN=/usr/bin/grpc_cpp_plugin)
  fi
  cmake -S "$src" -B "$out/sdk/$abi" "${args[@]}" >"$out/sdk-$abi.log" 2>&1 ||
    { tail -30 "$out/sdk-$abi.log"; exit 1; }
  cmake --build "$out/sdk/$abi" -j"$jobs" --target gridsync_jni >>"$out/sdk-$abi.log" 2>&1 ||
    { tail -30 "$out/sdk-$abi.log"; exit 1; }
}

libs=()
if [ "$host" = 1 ]; then
  case "$(uname -m)" in x86_64) abis=(x86_64) ;; aarch64) abis=(arm64-v8a) ;; esac
fi
for abi in "${abis[@]}"; do
  [ "$host" = 1 ] || build_deps "$abi"
  sdk "$abi"
  libs+=("$abi=$out/sdk/$abi/libgridsync_jni.so")
  echo "android_build: $abi: libgridsync_jni.so exports" \
    "$(nm -D --defined-only "$out/sdk/$abi/libgridsync_jni.so" | wc -l) symbols"
done

# ---- the Java classes and the AAR ----------------------------------------------
# With the schema's messages the figures come in (CMakeLists.txt: protobuf's
# lite runtime; an app depends on com.google.protobuf:protobuf-javalite).
rm -rf "$out/classes" "$out/java-proto" && mkdir -p "$out/classes" "$out/java-proto"
(cd "$src/proto" && protoc --java_out=lite:"$out/java-proto" gridsync/v1/common.proto \
  gridsync/v1/records.proto gridsync/v1/registry.proto gridsync/v1/coverage_service.proto)
javac -encoding UTF-8 --release 11 -cp /usr/share/java/protobuf.jar -d "$out/classes" \
  "$src"/client_sdk/java/src/main/java/cn/gridsync/*.java $(find "$out/java-proto" -name '*.java')
(cd "$out/classes" && jar cf "$out/classes.jar" .)
lib_list=$(IFS=';'; echo "${libs[*]}")
cmake -DJAR="$out/classes.jar" -DRULES="$src/client_sdk/java/consumer-rules.pro" \
  -DMANIFEST="$src/client_sdk/android/AndroidManifest.xml" -DLIBS="$lib_list" \
  -DOUT="$out/gridsync-$version.aar" -P "$src/cmake/make_aar.cmake"
echo "android_build: $out/gridsync-$version.aar ($(IFS=' '; echo "${abis[*]}"))"
