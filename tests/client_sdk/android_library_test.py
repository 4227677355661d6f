#!/usr/bin/python3
"""The SDK as an Android library: libgridsync_jni.so exports the JNI functions
Java binds and the C API of gridsync.h, and nothing else; the AAR the build
assembles holds the manifest, the classes, their consumer R8 rules and the
library under its ABI.

usage: android_library_test.py SOURCE_DIR JNI_LIBRARY AAR
"""
import re
import subprocess
import sys
import zipfile

src, lib, aar = sys.argv[1:4]
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def read(path):
    return open(src + "/" + path, encoding="utf-8").read()


out = subprocess.run(["nm", "-D", "--defined-only", lib], capture_output=True, text=True,
                     check=True).stdout
exported = {line.split()[-1].split("@")[0] for line in out.splitlines() if line.strip()}
natives = set(re.findall(r"static native [\w\[\]<>.]+ (\w+)\(",
                         read("client_sdk/java/src/main/java/cn/gridsync/Native.java")))
header = re.sub(r"/\*.*?\*/", "", read("client_sdk/include/gridsync/gridsync.h"), flags=re.S)
c_api = set(re.findall(r"\b(gs_[a-z0-9_]+)\s*\(", header))
expected = {"Java_cn_gridsync_Native_" + n for n in natives} | c_api
print("libgridsync_jni.so exports %d symbols: %d JNI functions, %d of the C API"
      % (len(exported), len(natives), len(c_api)))
check(exported == expected, "it exports exactly the JNI functions and the C API"
      + ("" if exported == expected else ": extra %s, missing %s"
         % (sorted(exported - expected)[:10], sorted(expected - exported)[:10])))
check(len(natives) > 50 and len(c_api) > 50, "both lists read from the sources")

with zipfile.ZipFile(aar) as z:
    names = set(z.namelist())
    for entry in ["AndroidManifest.xml", "classes.jar", "proguard.txt", "R.txt"]:
        check(entry in names, "the AAR has " + entry)
    libs = [n for n in names if re.fullmatch(r"jni/(arm64-v8a|x86_64|armeabi-v7a|x86)/lib\w+\.so", n)]
    check(len(libs) >= 1, "the AAR has the JNI library under an ABI: %s" % libs)
    manifest = z.read("AndroidManifest.xml").decode()
    check('package="cn.gridsync"' in manifest and "android.permission.INTERNET" in manifest,
          "its manifest names the package and asks for the network")
    check(z.read("proguard.txt").decode() == read("client_sdk/java/consumer-rules.pro"),
          "its proguard.txt is the consumer rules")
    import io
    classes = zipfile.ZipFile(io.BytesIO(z.read("classes.jar"))).namelist()
    check("cn/gridsync/Native.class" in classes and "cn/gridsync/GridSyncClient.class" in classes,
          "classes.jar holds the SDK's classes (%d entries)" % len(classes))
    check("cn/gridsync/proto/v1/GetCoverageResponse.class" in classes,
          "and the schema's messages the figures come in")

print("android library: %d failures" % len(failures))
sys.exit(1 if failures else 0)
