#===- tools/package/Package.cmake - install rules, CMake package, CPack ---===//
#
# Included at the end of the top-level CMakeLists.txt, once every target
# exists. `cmake --install build --prefix P` lays out (docs/deployment.md):
#   P/bin                        the tools
#   P/lib                        libtessera_runtime.so.1 (+ links), the static
#                                compiler libraries libTessera*.a
#   P/lib/cmake/Tessera          TesseraConfig.cmake: find_package(Tessera)
#   P/lib/pkgconfig              tessera-runtime.pc
#   P/include/tessera            tessera_runtime.h and the compiler headers,
#                                generated .inc files, P/include/tessera/dialects
#                                the nn and npu dialect headers
#   P/lib/python3/dist-packages  the tessera Python package, where it is built
#   P/share/doc/tessera          README.md and docs/ (with docs/examples)
# Install components: runtime, tools, compiler, python, docs. `cpack -G DEB`
# in the build directory packs all of them as the Debian package `tessera`.
#
#===----------------------------------------------------------------------===//

include(CMakePackageConfigHelpers)

set(TESSERA_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Tessera)

#===- Tools ---------------------------------------------------------------===//

set(TESSERA_INSTALLED_TOOLS)
foreach(tool tessera-compile tessera-opt tessera-run tessera-sim
             tessera-translate tessera-explore)
  if(TARGET ${tool})
    list(APPEND TESSERA_INSTALLED_TOOLS ${tool})
  endif()
endforeach()
install(TARGETS ${TESSERA_INSTALLED_TOOLS}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tools)

#===- The runtime library -------------------------------------------------===//

if(TARGET tessera_runtime)
  # Tessera::runtime; its include directory is lib/Runtime/CMakeLists.txt's
  # INSTALL_INTERFACE.
  set_target_properties(tessera_runtime PROPERTIES EXPORT_NAME runtime)
  install(TARGETS tessera_runtime EXPORT TesseraRuntimeTargets
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime
            NAMELINK_COMPONENT runtime)
  install(EXPORT TesseraRuntimeTargets NAMESPACE Tessera::
    DESTINATION ${TESSERA_CMAKE_INSTALL_DIR} COMPONENT runtime)
endif()
install(FILES ${TESSERA_SOURCE_DIR}/include/tessera/tessera_runtime.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tessera COMPONENT runtime)

# tessera-runtime.pc, written at install time so that its prefix is the one
# installed to (`cmake --install --prefix P`, or /usr in the Debian package).
set(prefix "@prefix@")
configure_file(${CMAKE_CURRENT_LIST_DIR}/tessera-runtime.pc.in
  ${TESSERA_BINARY_DIR}/tools/package/tessera-runtime.pc.in @ONLY)
unset(prefix)
install(CODE "
  set(prefix \"\${CMAKE_INSTALL_PREFIX}\")
  set(pc \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig/tessera-runtime.pc\")
  message(STATUS \"Installing: \${pc}\")
  configure_file(\"${TESSERA_BINARY_DIR}/tools/package/tessera-runtime.pc.in\"
                 \"\${pc}\" @ONLY)
  list(APPEND CMAKE_INSTALL_MANIFEST_FILES \"\${pc}\")
  " COMPONENT runtime)

#===- The compiler libraries and headers ----------------------------------===//

# Every static library Tessera* (tessera_add_library and the MLIR-free ones),
# exported as Tessera::<name>.
function(tessera_collect_libraries dir out)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  set(found)
  foreach(target ${targets})
    get_target_property(type ${target} TYPE)
    if(type STREQUAL "STATIC_LIBRARY" AND target MATCHES "^Tessera")
      list(APPEND found ${target})
    endif()
  endforeach()
  foreach(subdir ${subdirs})
    tessera_collect_libraries(${subdir} sub)
    list(APPEND found ${sub})
  endforeach()
  set(${out} ${found} PARENT_SCOPE)
endfunction()
tessera_collect_libraries(${TESSERA_SOURCE_DIR}/lib TESSERA_LIBS_LIB)
tessera_collect_libraries(${TESSERA_SOURCE_DIR}/dialects TESSERA_LIBS_DIALECTS)
set(TESSERA_EXPORTED_LIBRARIES ${TESSERA_LIBS_DIALECTS} ${TESSERA_LIBS_LIB})
list(SORT TESSERA_EXPORTED_LIBRARIES)

foreach(lib ${TESSERA_EXPORTED_LIBRARIES})
  target_include_directories(${lib} INTERFACE
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/tessera/dialects>)
endforeach()
install(TARGETS ${TESSERA_EXPORTED_LIBRARIES} EXPORT TesseraCompilerTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT compiler)
install(EXPORT TesseraCompilerTargets NAMESPACE Tessera::
  DESTINATION ${TESSERA_CMAKE_INSTALL_DIR} COMPONENT compiler)

# The headers as the sources include them: "tessera/..." from include/ (the
# source tree and the generated .inc files and Version.h of the build tree),
# "NN/..." and "NPU/..." from <include>/tessera/dialects.
install(DIRECTORY ${TESSERA_SOURCE_DIR}/include/tessera
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT compiler
  FILES_MATCHING PATTERN "*.h" PATTERN "*.def" PATTERN "*.td"
  PATTERN "tessera_runtime.h" EXCLUDE)
install(DIRECTORY ${TESSERA_BINARY_DIR}/include/tessera
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT compiler
  FILES_MATCHING PATTERN "*.h.inc" PATTERN "Version.h"
  PATTERN "CMakeFiles" EXCLUDE)
foreach(dialect NN NPU)
  install(DIRECTORY ${TESSERA_SOURCE_DIR}/dialects/${dialect}
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tessera/dialects
    COMPONENT compiler
    FILES_MATCHING PATTERN "*.h" PATTERN "*.def" PATTERN "*.td"
    PATTERN "gen" EXCLUDE PATTERN "Transforms" EXCLUDE)
  install(DIRECTORY ${TESSERA_BINARY_DIR}/dialects/${dialect}
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tessera/dialects
    COMPONENT compiler
    FILES_MATCHING PATTERN "*.h.inc" PATTERN "CMakeFiles" EXCLUDE)
endforeach()

# check-tessera installs the build (test/Install): everything installed is
# built first.
add_custom_target(tessera-installed)
add_dependencies(tessera-installed ${TESSERA_INSTALLED_TOOLS}
                 ${TESSERA_EXPORTED_LIBRARIES} tessera-docs)
if(TARGET tessera_runtime)
  add_dependencies(tessera-installed tessera_runtime)
endif()
if(TARGET check-tessera)
  add_dependencies(check-tessera tessera-installed)
endif()

#===- The CMake package ---------------------------------------------------===//

# TesseraConfig.cmake adds the MLIR and LLVM include directories to these.
string(REPLACE ";" " " TESSERA_EXPORTED_LIBRARY_NAMES
       "${TESSERA_EXPORTED_LIBRARIES}")
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/TesseraConfig.cmake.in
  ${TESSERA_BINARY_DIR}/tools/package/TesseraConfig.cmake
  INSTALL_DESTINATION ${TESSERA_CMAKE_INSTALL_DIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
# 0.x releases: a minor release may change the API.
write_basic_package_version_file(
  ${TESSERA_BINARY_DIR}/tools/package/TesseraConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${TESSERA_BINARY_DIR}/tools/package/TesseraConfig.cmake
              ${TESSERA_BINARY_DIR}/tools/package/TesseraConfigVersion.cmake
  DESTINATION ${TESSERA_CMAKE_INSTALL_DIR} COMPONENT runtime)

#===- The Python package --------------------------------------------------===//

# The tessera package (python/, docs/python.md) where Debian's python3 finds
# it with a /usr prefix: <prefix>/lib/python3/dist-packages/tessera (set
# PYTHONPATH for another prefix).
if(TESSERA_PYTHON_PACKAGE)
  set(TESSERA_PYTHON_INSTALL_DIR lib/python3/dist-packages CACHE STRING
      "Where the tessera Python package is installed, under the prefix")
  install(TARGETS _tessera
    LIBRARY DESTINATION ${TESSERA_PYTHON_INSTALL_DIR}/tessera
    COMPONENT python)
  install(DIRECTORY ${TESSERA_SOURCE_DIR}/python/tessera
    DESTINATION ${TESSERA_PYTHON_INSTALL_DIR} COMPONENT python
    FILES_MATCHING PATTERN "*.py" PATTERN "__pycache__" EXCLUDE)
  add_dependencies(tessera-installed tessera-python)
endif()

#===- Documentation -------------------------------------------------------===//

install(FILES ${TESSERA_SOURCE_DIR}/README.md
  DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT docs)
install(DIRECTORY ${TESSERA_SOURCE_DIR}/docs/
  DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT docs
  PATTERN "CMakeLists.txt" EXCLUDE)

#===- The Debian package (CPack) ------------------------------------------===//

# `cpack -G DEB` (or `ninja package`) in the build directory writes
# tessera_<version>_<arch>.deb: everything above, installed under /usr,
# binaries stripped. Its Depends come from dpkg-shlibdeps (the libraries the
# binaries link: libmlir-22, libonnx1, libprotobuf32, libc6, ...) plus
# libllvm22, named here: dpkg-shlibdeps meets libLLVM.so.22.1 first as
# llvm-22-dev's symlink in /usr/lib/llvm-22/lib (the RUNPATH), which has no
# dependency information, and lists libllvm22 only some of the time (it may
# then appear twice). lintian-overrides gives the reason of each lintian tag
# it overrides.
set(TESSERA_PACKAGE_MAINTAINER "Tessera developers <tessera-dev@tessera.invalid>"
    CACHE STRING "The Maintainer field of the Debian package")

# The Debian package's copyright file and changelog.gz, beside the docs.
string(TIMESTAMP TESSERA_PACKAGE_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
configure_file(${CMAKE_CURRENT_LIST_DIR}/changelog.in
  ${TESSERA_BINARY_DIR}/tools/package/changelog @ONLY)
execute_process(COMMAND gzip -9nf ${TESSERA_BINARY_DIR}/tools/package/changelog
  RESULT_VARIABLE gzip_result)
if(NOT gzip_result EQUAL 0)
  message(FATAL_ERROR "gzip failed on tools/package/changelog")
endif()
install(FILES ${CMAKE_CURRENT_LIST_DIR}/copyright
              ${TESSERA_BINARY_DIR}/tools/package/changelog.gz
  DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT docs)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/lintian-overrides
  DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/lintian/overrides
  RENAME tessera COMPONENT docs)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tessera)
set(CPACK_PACKAGE_VENDOR "Tessera")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${TESSERA_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "ML compiler for CPU, NPU and GPU targets, and its runtime")
set(CPACK_PACKAGE_DESCRIPTION
"Tessera imports ONNX models into its nn dialect (MLIR) and compiles them
for the host CPU, a simulated NPU and NVIDIA GPUs. The package holds the
tools (tessera-compile, tessera-run, tessera-opt, tessera-translate,
tessera-sim, tessera-explore), the runtime library libtessera_runtime.so.1
with its C API, the compiler libraries and headers, a CMake package
(find_package(Tessera)), a pkg-config file and the documentation.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES TRUE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${TESSERA_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libllvm22")
if(TESSERA_PYTHON_PACKAGE)
  # The Python package's extension is built for this python3 minor version.
  string(REPLACE "." ";" version "${TESSERA_PYTHON_VERSION}")
  list(GET version 0 major)
  list(GET version 1 minor)
  math(EXPR next_minor "${minor} + 1")
  set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "python3 (>= ${major}.${minor}~), \
python3 (<< ${major}.${next_minor}), python3-numpy")
endif()
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)
# libtessera_runtime.so.1: a shlibs file for packages that link it, and the
# ldconfig trigger rather than the ldconfig calls CPack would otherwise put in
# postinst and postrm (debian/ holds both scripts, which then do nothing).
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_LIST_DIR}/debian/triggers
    ${CMAKE_CURRENT_LIST_DIR}/debian/postinst
    ${CMAKE_CURRENT_LIST_DIR}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)
