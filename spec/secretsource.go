package spec

import (
	"strings"

	"github.com/regsetup/regsetup/model"
)

// secretValue reads one secret (a service password, an access key) from
// the environment variable env, or else from file (relative to the spec),
// and reports problems under field, the key that named the source. One
// trailing line break is dropped; a NUL or an inner line break is an
// error, since no config file can carry it back.
func (c *checker) secretValue(field, env, file string) model.Secret {
	var v string
	if env != "" {
		if !envNameRE.MatchString(env) {
			// not quoted: a secret pasted here by mistake stays unprinted
			c.addf(field, "not an environment variable name (letters, digits and '_', not starting with a digit)")
			return ""
		}
		val, ok := c.opts.LookupEnv(env)
		if !ok || val == "" {
			c.addf(field, "environment variable %s is not set or empty", printable(env))
			return ""
		}
		v = val
	} else {
		path, ok := c.path(field, file)
		if !ok {
			return ""
		}
		data, err := readRegular(path, maxPasswordBytes)
		if err != nil {
			c.addf(field, "reading the secret: %v", err)
			return ""
		}
		v = strings.TrimSuffix(strings.TrimSuffix(string(data), "\n"), "\r")
		if v == "" {
			c.addf(field, "%s is empty", printable(file))
			return ""
		}
	}
	if strings.ContainsAny(v, "\x00\r\n") {
		c.addf(field, "the secret contains a NUL or a line break, which no config file can carry")
		return ""
	}
	return model.Secret(v)
}

// secretSource reads a secret named by exactly one of prefix_env and
// prefix_file.
func (c *checker) secretSource(prefix, env, file string) model.Secret {
	if (env != "") == (file != "") {
		c.addf(prefix+"_env", "set exactly one of %s_env or %s_file", lastField(prefix), lastField(prefix))
		return ""
	}
	if env != "" {
		return c.secretValue(prefix+"_env", env, "")
	}
	return c.secretValue(prefix+"_file", "", file)
}

// lastField is a field path's last name (access_key of storage.s3.access_key).
func lastField(path string) string {
	return path[strings.LastIndexByte(path, '.')+1:]
}
