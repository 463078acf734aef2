# What `cmake --install` and the Debian package hold: the binary, a manual page and shell completions
# generated from the command tree by the built binary (so they never drift from the commands), the
# example inventory and the documentation. `scripts/package` builds the .deb with CPack.
include(GNUInstallDirs)

set(TMA_GENERATED ${CMAKE_BINARY_DIR}/generated)
add_custom_command(
  OUTPUT ${TMA_GENERATED}/tma.1.gz ${TMA_GENERATED}/tma.bash ${TMA_GENERATED}/tma.fish
  COMMAND sh -c "\"$1\" help --man | gzip -9n > \"$2/tma.1.gz\" && \"$1\" completion bash > \"$2/tma.bash\" && \"$1\" completion fish > \"$2/tma.fish\""
          generate $<TARGET_FILE:tma> ${TMA_GENERATED}
  DEPENDS tma
  COMMENT "Generating the manual page and shell completions from the command tree"
  VERBATIM)
add_custom_target(tma_manual ALL DEPENDS ${TMA_GENERATED}/tma.1.gz ${TMA_GENERATED}/tma.bash ${TMA_GENERATED}/tma.fish)

# Debian's changelog, compressed as the policy asks (gzip -n: no time stamp, reproducible).
add_custom_command(
  OUTPUT ${TMA_GENERATED}/changelog.Debian.gz
  COMMAND sh -c "gzip -9n < \"$1\" > \"$2\"" generate ${CMAKE_SOURCE_DIR}/packaging/changelog.Debian
          ${TMA_GENERATED}/changelog.Debian.gz
  DEPENDS ${CMAKE_SOURCE_DIR}/packaging/changelog.Debian
  VERBATIM)
add_custom_target(tma_changelog ALL DEPENDS ${TMA_GENERATED}/changelog.Debian.gz)

install(TARGETS tma RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${TMA_GENERATED}/tma.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${TMA_GENERATED}/tma.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME tma)
install(FILES ${TMA_GENERATED}/tma.fish DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)
install(FILES README.md sites.example.yaml ${TMA_GENERATED}/changelog.Debian.gz DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES packaging/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})
# The calendar's timer and service and the journal's daily `git gc --auto` (installed, not enabled:
# docs/operations.md), and a cron example to copy (an active /etc/cron.d entry would run on every
# machine the package lands on).
install(FILES contrib/systemd/tma-run.service contrib/systemd/tma-run.timer contrib/systemd/tma-gc.service
              contrib/systemd/tma-gc.timer DESTINATION lib/systemd/system)
install(FILES contrib/cron/tma DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/cron.d)
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs FILES_MATCHING PATTERN "*.md")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tma)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "tma maintainers <tma@tma.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "maintenance orchestrator for a portfolio of web sites")
set(CPACK_PACKAGE_DESCRIPTION "tma checks CMS, plugin and theme versions and known vulnerabilities, takes
backups over SSH or HTTP and restores them, updates preprod then prod with smoke tests and rollback,
monitors health, and records hours and incidents against each client's contract, for a whole
portfolio of WordPress, Drupal and composer sites described in one YAML inventory.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Shared libraries through dpkg-shlibdeps; the programs tma starts are named here.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "openssh-client, tar, gzip")
# git: tma-gc.service repacks the journal's repository with it (tma itself writes through libgit2).
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "git")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "restic, zstd, mariadb-client")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
