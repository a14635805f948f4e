// Package outdir puts rendered artifacts into the output folder and keeps
// that folder consistent: it plans what would change, refuses to overwrite
// a file a person edited since regsetup last wrote it, and writes so that
// an interrupted run (even kill -9) leaves the old or the new files, never
// a mix. It is internal to regsetup.
//
// The output folder OUT:
//
//	OUT/docker-compose.yml            temporary file, fsync, rename
//	OUT/.regsetup-state.json          digests of what regsetup wrote
//	OUT/.regsetup.lock                flock: one writer at a time
//	OUT/data/                         the registry's data: created once, never touched
//	OUT/auth/                         a real folder, bind-mounted at /usr/local/apache2/conf;
//	                                  never replaced, renamed or deleted once made
//	OUT/auth/.current -> .set-<12 hex>     the live set, switched with one rename(2)
//	OUT/auth/.set-<12 hex>/           one complete set (httpd.conf, httpd.htpasswd, httpd.groups,
//	                                  domain.crt, domain.key[, authcache.lua]), fsynced before the switch
//	OUT/auth/httpd.conf -> .current/httpd.conf   one relative link per artifact, made once
//	OUT/auth/<a person's own file>    left where it is
//
// Why this shape: docker resolves a bind mount's source once, when the
// container is created. The folder Apache mounts must therefore stay the
// same folder for the container's whole life: a symlink swapped to a new
// folder leaves the running container on the old one. Inside that one
// folder every path Apache opens goes through .current, so a single rename
// switches the whole set. Apache reads httpd.htpasswd and httpd.groups on
// every request, so the running Apache sees users and groups change at once
// and never a mix of two sets; httpd.conf, the certificate and the key are
// read again on a graceful reload. The current and the previous set are
// kept (an Apache mid-reload may still open the previous one); older sets
// are deleted, which is safe because nothing mounts them.
//
// Older layouts are migrated once (migrate.go): the previous release's
// auth -> .auth-<hex>/ link and a hand-made plain auth/ folder are replaced
// by the new folder in one renameat2(RENAME_EXCHANGE); Plan.Remount then
// says Apache must be re-created once to mount it. A person's own auth link
// to a folder elsewhere is kept, and the layout is written inside its target.
//
// Files: plan.go computes the plan; apply.go writes it (and the files
// outside auth/); authdir.go manages sets, links, the switch and pruning;
// migrate.go older layouts; state.go the state file, the lock and
// temporary names.
package outdir
