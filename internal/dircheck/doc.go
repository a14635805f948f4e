// Package dircheck is the directory's pre-flight (auth.backend: ldap): it
// connects to each server of auth.ldap the way Apache will (the spec's TLS
// mode and CA), binds as the service account, reads the base DN, looks
// for one account the filter finds and reads each declared group, and
// says in words what is wrong: a server that cannot be reached or does
// not answer, a certificate the CA does not sign, a refused service bind,
// a base DN or group DN that does not exist. It uses go-ldap, never
// prints, and never puts a password in a message.
package dircheck
