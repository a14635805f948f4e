package bench

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// Users of every variant, as in the recipe: the pull user and the push
// user (group pusher); the benchmark works as the push user.
const (
	PullUser = "testuser"
	PushUser = "testuserpush"
)

// credentials are the run's random passwords, never printed.
type credentials struct {
	PullPassword string
	PushPassword string
}

func newCredentials() (credentials, error) {
	var c credentials
	for _, p := range []*string{&c.PullPassword, &c.PushPassword} {
		b := make([]byte, 18)
		if _, err := rand.Read(b); err != nil {
			return c, fmt.Errorf("generating a password: %w", err)
		}
		*p = base64.RawURLEncoding.EncodeToString(b)
	}
	return c, nil
}

// htpasswdFile is an htpasswd file with both users at cost, in the "$2y$"
// form of "htpasswd -B" that Apache, nginx (libxcrypt) and the registry
// all read.
func htpasswdFile(c credentials, cost int) ([]byte, error) {
	var out []byte
	for _, u := range [][2]string{{PullUser, c.PullPassword}, {PushUser, c.PushPassword}} {
		h, err := bcrypt.GenerateFromPassword([]byte(u[1]), cost)
		if err != nil {
			return nil, fmt.Errorf("hashing the password of %s: %w", u[0], err)
		}
		if len(h) > 3 && string(h[:4]) == "$2a$" {
			h[2] = 'y'
		}
		out = append(out, u[0]+":"+string(h)+"\n"...)
	}
	return out, nil
}
