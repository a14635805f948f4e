package model

// Secret is a password, hash or private key. It never formats as its value,
// so a stray %v or JSON encoding cannot leak it; Reveal is explicit.
type Secret string

// String hides the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// GoString hides the value from %#v.
func (s Secret) GoString() string { return `"[redacted]"` }

// MarshalText hides the value from encoders.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Reveal returns the value, for the code that must hash or write it.
func (s Secret) Reveal() string { return string(s) }
