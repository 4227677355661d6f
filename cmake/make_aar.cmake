# Assembles an Android library archive (AAR) from what the build made:
#   cmake -DJAR=classes.jar -DRULES=consumer-rules.pro -DMANIFEST=AndroidManifest.xml
#         -DLIBS="abi=path;abi=path" -DOUT=gridsync.aar -P make_aar.cmake
# The AAR layout (developer.android.com, "AAR file anatomy"): AndroidManifest.xml,
# classes.jar, R.txt, proguard.txt (consumer rules), jni/<abi>/lib*.so.
foreach(v JAR RULES MANIFEST LIBS OUT)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "make_aar.cmake: ${v} is required")
  endif()
endforeach()
set(stage "${OUT}.d")
file(REMOVE_RECURSE "${stage}")
file(MAKE_DIRECTORY "${stage}")
configure_file("${MANIFEST}" "${stage}/AndroidManifest.xml" COPYONLY)
configure_file("${JAR}" "${stage}/classes.jar" COPYONLY)
configure_file("${RULES}" "${stage}/proguard.txt" COPYONLY)
file(WRITE "${stage}/R.txt" "")
foreach(entry IN LISTS LIBS)
  string(REPLACE "=" ";" parts "${entry}")
  list(GET parts 0 abi)
  list(GET parts 1 lib)
  get_filename_component(name "${lib}" NAME)
  configure_file("${lib}" "${stage}/jni/${abi}/${name}" COPYONLY)
endforeach()
file(REMOVE "${OUT}")
execute_process(COMMAND ${CMAKE_COMMAND} -E tar cf "${OUT}" --format=zip
                        AndroidManifest.xml classes.jar proguard.txt R.txt jni
                WORKING_DIRECTORY "${stage}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "make_aar.cmake: zip failed")
endif()
file(REMOVE_RECURSE "${stage}")
