/* Build provenance: the git commit the binary was built from (generated at build time
 * by cmake/gitcommit.cmake, "+dirty" when tracked files had uncommitted changes,
 * "unknown" outside a git checkout). OP_VERSION and OP_COMPILER are compile definitions. */
#ifndef OP_CORE_VERSION_H
#define OP_CORE_VERSION_H

const char *op_git_commit(void);
#define OP_GIT_COMMIT op_git_commit()

#endif
