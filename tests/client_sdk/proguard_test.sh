#!/usr/bin/env bash
# An app's release build shrinks and renames the SDK's classes with its own
# (R8/ProGuard); the SDK's consumer rules (client_sdk/java/consumer-rules.pro)
# must keep every name the JNI library binds. Here Debian's ProGuard shrinks
# and obfuscates the SDK jar together with its JUnit tests (the "app", whose
# test class is kept as an app keeps its entry points), and the whole JUnit
# suite then runs from the shrunk jar against a real gridsyncd.
# The SDK's generated protobuf classes are shrunk and renamed with it; the
# protobuf runtime is the app's (a library here, as an app's dependency).
#   proguard_test.sh JAVA_TESTS GRIDSYNC_JAR TESTS_JAR JUNIT_JAR HAMCREST_JAR RULES JAVA_HOME PROTOBUF_JAR
set -euo pipefail
java_tests=$1 sdk_jar=$2 tests_jar=$3 junit=$4 hamcrest=$5 rules=$6 java_home=$7 protobuf=$8
command -v proguard >/dev/null || { echo "proguard_test: Debian's proguard-cli is missing"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# ProGuard 6.2 (Debian 12) reads class files up to Java 13. The SDK is built
# for Java 11; the JDK 17 classes it links against are given to ProGuard as
# library classes (read only for their hierarchy and member names) with their
# version number lowered to Java 11's.
/usr/bin/python3 - "$java_home/jmods/java.base.jmod" "$work/java-base.jar" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as jmod, zipfile.ZipFile(sys.argv[2], "w") as out:
    for name in jmod.namelist():
        if name.startswith("classes/") and name.endswith(".class") and "module-info" not in name:
            data = bytearray(jmod.read(name))
            data[6:8] = (55).to_bytes(2, "big")
            out.writestr(name[len("classes/"):], bytes(data))
PY
cat >"$work/app.pro" <<PRO
-injars $sdk_jar
-injars $tests_jar
-outjars $work/shrunk.jar
-libraryjars $work/java-base.jar
-libraryjars $junit
-libraryjars $hamcrest
-libraryjars $protobuf
-include $rules
# The app's own entry points: JUnit finds the test class and its methods by name.
-keep public class cn.gridsync.GridSyncClientTest { public *; }
-keepattributes *Annotation*,Signature,InnerClasses,EnclosingMethod
-printmapping $work/mapping.txt
PRO
proguard @"$work/app.pro" >"$work/proguard.log" 2>&1 || { tail -30 "$work/proguard.log"; exit 1; }
echo "proguard_test: shrunk and renamed ($(grep -c ' -> ' "$work/mapping.txt") names mapped," \
  "$(grep -cE '^cn\.gridsync\.[A-Za-z$]+ -> cn\.gridsync\.[a-z]+:$' "$work/mapping.txt") classes renamed)"
grep -E '^cn\.gridsync\.GridSyncClient -> cn\.gridsync\.[a-z]+:$' "$work/mapping.txt" >/dev/null ||
  { echo "proguard_test: GridSyncClient was not renamed: the check would prove nothing"; exit 1; }
GRIDSYNC_JAVA_CLASSPATH="$work/shrunk.jar:$junit:$hamcrest:$protobuf" \
  "$java_tests" --gtest_filter=JavaTest.JUnitSuitePassesThroughJni
