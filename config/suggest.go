package config

import zsync "github.com/zoho2sheets/zoho2sheets/sync"

// suggest returns the candidate closest to s when it is a plausible typo
// (see zsync.Closest), or "" when nothing is close.
func suggest(s string, cands []string) string {
	if i := zsync.Closest(s, cands); i >= 0 {
		return cands[i]
	}
	return ""
}
