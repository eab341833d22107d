# cmake -DXZ=... -DIN=region.bin.xz -DOUT=region.bin -P decompress.cmake
# Decompresses the B7 fixture; every failure is fatal with the reason.
if(NOT EXISTS "${IN}")
  message(FATAL_ERROR "B7 fixture is MISSING: ${IN} does not exist. The fixture lives in "
                      "the shared tree next to the source tree (../shared/fixtures/b7).")
endif()
if(NOT XZ)
  message(FATAL_ERROR "xz was not found at configure time: install the Debian package xz-utils")
endif()
execute_process(COMMAND "${XZ}" -dc "${IN}" OUTPUT_FILE "${OUT}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "xz -dc ${IN} failed: ${rc}")
endif()
file(SIZE "${OUT}" size)
if(NOT size EQUAL 67108864)
  message(FATAL_ERROR "decompressed fixture is ${size} bytes, expected 67108864")
endif()
message(STATUS "B7 fixture decompressed to ${OUT}")
