package main

import (
	"regexp"
	"strings"

	"github.com/zoho2sheets/zoho2sheets/config"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

var (
	envName  = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
	unsetVar = regexp.MustCompile(`^environment variable ([A-Za-z_][A-Za-z0-9_]*) is not set$`)
)

// misspeltVariable adds to each "not set" error about a variable the
// variable of the environment spelt like it (ZOHO_CLIENT_SECERT for
// ZOHO_CLIENT_SECRET), the usual cause; names only, never a value.
func misspeltVariable(err error, environ func() []string) error {
	if err == nil || environ == nil {
		return err
	}
	var set []string
	for _, kv := range environ() {
		if k, v, _ := strings.Cut(kv, "="); v != "" {
			set = append(set, k)
		}
	}
	for _, ce := range config.ErrorList(err) {
		var wanted []string
		switch m := unsetVar.FindStringSubmatch(ce.Msg); {
		case m != nil:
			wanted = []string{m[1]}
		case envName.MatchString(ce.Where) && ce.Msg == "not set":
			wanted = []string{ce.Where}
		case ce.Where == "GOOGLE_CREDENTIALS_JSON" && strings.HasPrefix(ce.Msg, "no Google credentials"):
			wanted = []string{"GOOGLE_CREDENTIALS_JSON", "GOOGLE_APPLICATION_CREDENTIALS"}
		}
		for _, w := range wanted {
			others := make([]string, 0, len(set))
			for _, k := range set {
				if k != w {
					others = append(others, k)
				}
			}
			if i := zsync.Closest(w, others); i >= 0 {
				ce.Hint = others[i] + " is set: rename it to " + w + "; " + ce.Hint
				break
			}
		}
	}
	return err
}
