// Package e2e holds the end-to-end tests: specs rendered by regsetup and run
// on the real Apache (the upstream httpd build, natively through
// internal/stacktest, or in the httpd:2.4 image with Docker Compose) in
// front of the real registry 2.8, checked with real clients. Under CI=true a
// missing part fails the tests; elsewhere it skips them.
package e2e
