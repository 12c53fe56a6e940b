# qonsul_library(<name> SOURCES ... [PUBLIC_LIBS ...] [PRIVATE_LIBS ...])
# One static library per subsystem; its folder is its include root, so users write
# #include "state/StateStore.h" from daemon/ or "core/Duration.h" from shared/.
function(qonsul_library name)
    cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_LIBS;PRIVATE_LIBS" ${ARGN})
    add_library(${name} STATIC ${ARG_SOURCES})
    target_include_directories(${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/..)
    target_link_libraries(${name} PUBLIC ${ARG_PUBLIC_LIBS} PRIVATE ${ARG_PRIVATE_LIBS})
    target_compile_options(${name} PRIVATE -Wall -Wextra)
endfunction()

# qonsul_test(<name> SOURCES ... LIBS ... LABELS ... [TIMEOUT s] [RESOURCE_LOCK lock...])
# One Qt Test executable per class or scenario, registered in CTest with labels. Tests that bind
# fixed ports name a RESOURCE_LOCK (e.g. default_ports) so CTest never runs two of them at once.
function(qonsul_test name)
    cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS;LABELS;RESOURCE_LOCK" ${ARGN})
    add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE Qt6::Test qonsul_testsupport ${ARG_LIBS})
    set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
    add_test(NAME ${name} COMMAND ${name})
    if(NOT ARG_TIMEOUT)
        set(ARG_TIMEOUT 300)
    endif()
    set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
        ENVIRONMENT "QONSUL_BIN=${CMAKE_BINARY_DIR}/bin/qonsul;QONSUL_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
    if(ARG_RESOURCE_LOCK)
        set_tests_properties(${name} PROPERTIES RESOURCE_LOCK "${ARG_RESOURCE_LOCK}")
    endif()
endfunction()
