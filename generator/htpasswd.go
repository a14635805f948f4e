package generator

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/regsetup/regsetup/model"
	"golang.org/x/crypto/bcrypt"
)

// HTPasswdFile renders auth/httpd.htpasswd in the format `htpasswd -Bbn`
// writes: "name:$2y$CC$<53 characters>" and an empty line, per user, in the
// model's order. A hash in prev that still matches the user's password at
// the same cost is kept, so re-running changes nothing. Hashing (and
// checking) runs on workers goroutines (default: the number of CPUs).
func HTPasswdFile(users []model.User, cost int, prev []byte, workers int) ([]byte, error) {
	old := parseHTPasswd(prev)
	hashes := make([]string, len(users))
	errs := make([]error, len(users))
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				hashes[i], errs[i] = entryHash(users[i], cost, old[users[i].Name])
			}
		}()
	}
	for i := range users {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	var b bytes.Buffer
	for i, u := range users {
		if errs[i] != nil {
			return nil, fmt.Errorf("hashing the password of %s: %w", u.Name, errs[i])
		}
		b.WriteString(u.Name + ":" + hashes[i] + "\n\n")
	}
	return b.Bytes(), nil
}

// entryHash returns the hash to write for u, reusing old when it still fits.
func entryHash(u model.User, cost int, old string) (string, error) {
	if u.Hash != "" {
		return u.Hash.Reveal(), nil
	}
	pw := []byte(u.Password.Reveal())
	if old != "" {
		if c, err := bcrypt.Cost([]byte(old)); err == nil && c == cost &&
			bcrypt.CompareHashAndPassword([]byte(old), pw) == nil {
			return old, nil
		}
	}
	return HashPassword(pw, cost)
}

// HashPassword is the bcrypt hash of password at cost in the "$2y$" form
// `htpasswd -B` writes; Apache's apr-util, the registry and nginx read it.
func HashPassword(password []byte, cost int) (string, error) {
	h, err := bcrypt.GenerateFromPassword(password, cost)
	if err != nil {
		return "", err
	}
	// Go writes $2a$; apr-util knows $2a$ and $2y$; htpasswd writes $2y$.
	return "$2y$" + strings.TrimPrefix(string(h), "$2a$"), nil
}

// parseHTPasswd reads name:hash lines, ignoring blank lines and anything
// that is not a bcrypt entry.
func parseHTPasswd(data []byte) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		name, hash, ok := strings.Cut(strings.TrimRight(line, "\r"), ":")
		if ok && strings.HasPrefix(hash, "$2") {
			out[name] = hash
		}
	}
	return out
}
