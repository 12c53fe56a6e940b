# .deb and .rpm packages (`cpack -G DEB`, `cpack -G RPM` in the build dir): the qonsul binary, the
# systemd unit, the sample config in /etc/qonsul.d, the data dir, and the console with its
# .desktop entry when it is built. The version is project(VERSION) in the top CMakeLists.txt.
set(_inst ${PROJECT_SOURCE_DIR}/installers)

install(FILES ${_inst}/linux/qonsul.service DESTINATION lib/systemd/system)
install(FILES ${_inst}/config/qonsul.json DESTINATION /etc/qonsul.d
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
install(DIRECTORY DESTINATION /var/lib/qonsul
        DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE)
install(FILES ${PROJECT_SOURCE_DIR}/docs/operations.md DESTINATION share/doc/qonsul)
# The console (gui/, issue 8) and its icon, when that part of the tree provides them.
if(TARGET qonsul-console)
    install(TARGETS qonsul-console RUNTIME DESTINATION bin)
    install(FILES ${_inst}/desktop/qonsul-console.desktop DESTINATION share/applications)
    foreach(_icon svg png)
        if(EXISTS ${PROJECT_SOURCE_DIR}/gui/resources/qonsul-console.${_icon})
            if(_icon STREQUAL "svg")
                set(_size scalable)
            else()
                set(_size 256x256)
            endif()
            install(FILES ${PROJECT_SOURCE_DIR}/gui/resources/qonsul-console.${_icon}
                    DESTINATION share/icons/hicolor/${_size}/apps)
        endif()
    endforeach()
endif()

set(CPACK_PACKAGE_NAME qonsul)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "The Qonsul authors")
set(CPACK_PACKAGE_CONTACT "Qonsul maintainers <maintainers@qonsul.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Consul-compatible service discovery and key/value store")
set(CPACK_PACKAGE_DESCRIPTION
    "Qonsul re-implements HashiCorp Consul's agent and speaks its client-visible
language: the HTTP API, DNS interface, command line and configuration keys.
The package runs the agent as a systemd service (user qonsul, configuration
in /etc/qonsul.d, data in /var/lib/qonsul), enabled but not started.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_GENERATOR DEB)
find_program(QONSUL_RPMBUILD rpmbuild)
if(QONSUL_RPMBUILD)
    list(APPEND CPACK_GENERATOR RPM)
endif()

# Debian: a native package (no revision), shared-library dependencies from dpkg-shlibdeps,
# maintainer scripts and conffiles from installers/debian, changelog and copyright for lintian.
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${_inst}/debian/postinst ${_inst}/debian/prerm ${_inst}/debian/postrm ${_inst}/debian/conffiles)
configure_file(${_inst}/debian/changelog.in ${CMAKE_BINARY_DIR}/packaging/changelog @ONLY)
execute_process(COMMAND gzip -9 -n -c ${CMAKE_BINARY_DIR}/packaging/changelog
                OUTPUT_FILE ${CMAKE_BINARY_DIR}/packaging/changelog.gz)
install(FILES ${CMAKE_BINARY_DIR}/packaging/changelog.gz ${_inst}/debian/copyright
        DESTINATION share/doc/qonsul)

# RPM: the same files; the account is made in %pre so the data dir can belong to it.
set(CPACK_RPM_FILE_NAME RPM-DEFAULT)
set(CPACK_RPM_PACKAGE_RELOCATABLE OFF)
set(CPACK_RPM_PACKAGE_LICENSE "Proprietary")
set(CPACK_RPM_PACKAGE_GROUP "System Environment/Daemons")
set(CPACK_RPM_PACKAGE_URL "https://qonsul.org")
set(CPACK_RPM_PACKAGE_REQUIRES_PRE "shadow-utils")
set(CPACK_RPM_PRE_INSTALL_SCRIPT_FILE ${_inst}/rpm/pre.sh)
set(CPACK_RPM_POST_INSTALL_SCRIPT_FILE ${_inst}/rpm/post.sh)
set(CPACK_RPM_PRE_UNINSTALL_SCRIPT_FILE ${_inst}/rpm/preun.sh)
set(CPACK_RPM_POST_UNINSTALL_SCRIPT_FILE ${_inst}/rpm/postun.sh)
set(CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION /etc /var /var/lib /usr/lib/systemd /usr/lib/systemd/system
    /usr/share/applications /usr/share/icons /usr/share/icons/hicolor)
set(CPACK_RPM_USER_FILELIST
    "%config(noreplace) %attr(0640,root,qonsul) /etc/qonsul.d/qonsul.json"
    "%attr(0750,qonsul,qonsul) %dir /var/lib/qonsul")

# The Windows installer's default config (installers/windows/qonsul.wxs): the same sample with
# the Windows data dir.
file(READ ${_inst}/config/qonsul.json _config)
string(REPLACE "\"/var/lib/qonsul\"" "\"C:/ProgramData/qonsul/data\"" _config "${_config}")
file(WRITE ${CMAKE_BINARY_DIR}/packaging/windows/qonsul.json "${_config}")

include(CPack)
