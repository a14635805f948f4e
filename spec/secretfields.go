package spec

import (
	"regexp"
	"slices"
	"strings"
)

// secretKeys are the user fields whose value may be a password: the
// password itself, its hash, and the two fields that name where it is,
// since a password pasted there by mistake (password_env: "Sup3r-S3cret!")
// is just as secret. No message quotes any part of their values.
var secretKeys = []string{"password", "password_env", "password_file", "bcrypt"}

// secretPaths are the other fields that name where a secret is: an S3
// secret key pasted there by mistake is just as secret.
var secretPaths = []string{"storage.s3.secret_key_env", "storage.s3.secret_key_file"}

// isSecretField reports whether a field path (users[1].password_env,
// verify.identities[0].password_file) is one of a user's secretKeys or one
// of secretPaths.
func isSecretField(field string) bool {
	if slices.Contains(secretPaths, field) {
		return true
	}
	i := strings.LastIndexByte(field, '.')
	if i < 0 || !strings.HasPrefix(field, "users[") && !strings.HasPrefix(field, "verify.identities[") {
		return false
	}
	for _, k := range secretKeys {
		if field[i+1:] == k {
			return true
		}
	}
	return false
}

// envNameRE is what a shell accepts as a variable name (POSIX).
var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
