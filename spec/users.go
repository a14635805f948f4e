package spec

import (
	"fmt"
	"strings"

	"github.com/regsetup/regsetup/model"
)

// maxPassword is bcrypt's limit: it ignores (and x/crypto refuses) more.
const maxPassword = 72

func (c *checker) users(in []User) []model.User {
	if len(in) == 0 && c.directory == nil {
		c.addf("users", "at least one user is required")
	}
	seen := map[string]int{}
	out := make([]model.User, 0, len(in))
	for i, u := range in {
		field := fmt.Sprintf("users[%d]", i)
		switch {
		case u.Name == "":
			c.addf(field+".name", "required")
		case strings.Contains(u.Name, ":"):
			c.addf(field+".name", "%s contains ':', which ends the name in the htpasswd file", printable(u.Name))
		case !userRE.MatchString(u.Name):
			c.addf(field+".name", "%s may only use letters, digits, '.', '_', '@', '+' and '-' (no spaces)", printable(u.Name))
		}
		if j, dup := seen[u.Name]; dup && u.Name != "" {
			c.addf(field+".name", "user %s is already defined at users[%d]", printable(u.Name), j)
		}
		seen[u.Name] = i
		out = append(out, c.credential(field, u))
	}
	return out
}

// credential reads the one password source a user has.
func (c *checker) credential(field string, u User) model.User {
	mu := model.User{Name: u.Name}
	var sources []string
	for name, v := range map[string]string{"password": u.Password, "password_env": u.PasswordEnv, "password_file": u.PasswordFile, "bcrypt": u.Bcrypt} {
		if v != "" {
			sources = append(sources, name)
		}
	}
	if len(sources) != 1 {
		c.addf(field, "set exactly one of password, password_env, password_file or bcrypt (found %d)", len(sources))
		return mu
	}
	switch {
	case u.Password != "":
		mu.Password = c.password(field+".password", u.Password)
	case u.PasswordEnv != "":
		// The value is never quoted: it may be a password pasted by mistake.
		if !envNameRE.MatchString(u.PasswordEnv) {
			c.addf(field+".password_env", "not an environment variable name (letters, digits and '_', not starting with a digit): it names the variable that holds the password; put a password itself in password (or better, in a variable or file)")
			return mu
		}
		v, ok := c.opts.LookupEnv(u.PasswordEnv)
		if !ok || v == "" {
			c.addf(field+".password_env", "the environment variable it names is not set or empty")
			return mu
		}
		mu.Password = c.password(field+".password_env", v)
	case u.PasswordFile != "":
		mu.Password = c.passwordFile(field+".password_file", u.PasswordFile)
	default:
		mu.Hash = c.hash(field+".bcrypt", u.Bcrypt)
	}
	return mu
}

func (c *checker) password(field, p string) model.Secret {
	if len(p) > maxPassword {
		c.addf(field, "the password is %d bytes; bcrypt uses at most %d", len(p), maxPassword)
	}
	if strings.ContainsRune(p, 0) {
		c.addf(field, "the password contains a NUL byte: Apache compares passwords as C strings, so this user could never log in")
	}
	return model.Secret(p)
}

func (c *checker) passwordFile(field, name string) model.Secret {
	path, ok := c.path(field, name)
	if !ok {
		return ""
	}
	data, err := readRegular(path, maxPasswordBytes)
	if err != nil {
		c.addf(field, "reading the password: %v", err)
		return ""
	}
	p := strings.TrimSuffix(strings.TrimSuffix(string(data), "\n"), "\r")
	if p == "" {
		c.addf(field, "the file is empty")
		return ""
	}
	return c.password(field, p)
}

func (c *checker) hash(field, h string) model.Secret {
	if bcryptRE.MatchString(h) {
		// The cost is digits 5 and 6, as bcryptRE matched them.
		if cost := int(h[4]-'0')*10 + int(h[5]-'0'); cost > MaxBcryptCost && !c.allowSlow {
			c.addf(field, "the hash's cost is %d: %s", cost, slowCostMsg(cost))
		}
		return model.Secret(h)
	}
	if anyBcryptRE.MatchString(h) {
		c.addf(field, "not a hash Apache accepts: want \"$2y$\" or \"$2a$\", a two-digit cost 04-31 and 53 characters")
	} else {
		c.addf(field, "not a bcrypt hash: want \"$2y$NN$\" followed by 53 characters")
	}
	return ""
}
