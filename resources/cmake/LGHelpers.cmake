# Helpers shared by every CMakeLists.txt of the project.

set(LG_SUMMARY "" CACHE INTERNAL "")

# lg_summary(TEXT): add a line to the configure summary printed at the end.
function(lg_summary text)
  set(LG_SUMMARY "${LG_SUMMARY};${text}" CACHE INTERNAL "")
endfunction()

function(lg_print_summary)
  message(STATUS "---- looking-glass configuration ----")
  foreach(line IN LISTS LG_SUMMARY)
    if(line)
      message(STATUS "  ${line}")
    endif()
  endforeach()
endfunction()

# lg_require_pkg(PREFIX MODULE DEBIAN_PACKAGE): a required pkg-config module;
# stops configure with the package to install when it is missing.
function(lg_require_pkg prefix module debpkg)
  pkg_check_modules(${prefix} QUIET IMPORTED_TARGET ${module})
  if(NOT ${prefix}_FOUND)
    message(FATAL_ERROR "Required dependency '${module}' not found: install the Debian package '${debpkg}' "
                        "(or run resources/scripts/deps-debian.sh)")
  endif()
endfunction()

# lg_optional_pkgs(OPTION PART "mod:debpkg;mod:debpkg"): checks optional
# modules; when one is missing, turns OPTION off with one clear message.
function(lg_optional_pkgs optvar part mods)
  if(NOT ${optvar})
    lg_summary("${part}: off (${optvar}=OFF)")
    return()
  endif()
  set(missing "")
  foreach(pair IN LISTS mods)
    string(REPLACE ":" ";" parts "${pair}")
    list(GET parts 0 mod)
    list(GET parts 1 deb)
    string(MAKE_C_IDENTIFIER "PC_${mod}" pfx)
    string(TOUPPER "${pfx}" pfx)
    pkg_check_modules(${pfx} QUIET IMPORTED_TARGET GLOBAL ${mod})
    if(NOT ${pfx}_FOUND)
      list(APPEND missing "${mod} (Debian: ${deb})")
    endif()
  endforeach()
  if(missing)
    list(JOIN missing ", " m)
    message(STATUS "${part}: disabled, missing ${m}")
    lg_summary("${part}: OFF (missing ${m})")
    set(${optvar} OFF PARENT_SCOPE)
  else()
    lg_summary("${part}: on")
  endif()
endfunction()

# lg_pc_target(MODULE OUTVAR): name of the imported target made by lg_optional_pkgs.
function(lg_pc_target mod outvar)
  string(MAKE_C_IDENTIFIER "PC_${mod}" pfx)
  string(TOUPPER "${pfx}" pfx)
  set(${outvar} PkgConfig::${pfx} PARENT_SCOPE)
endfunction()

# lg_target_warnings(TARGET): our strict warning set, for our own code only.
function(lg_target_warnings target)
  target_compile_options(${target} PRIVATE ${LG_WARNINGS})
endfunction()

# lg_add_unit_test(NAME SOURCES... LIBS ...): a cmocka test registered in CTest
# with the label "unit".
function(lg_add_unit_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CMOCKA)
  lg_target_warnings(${name})
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "unit;${T_LABELS}" TIMEOUT 120)
endfunction()
