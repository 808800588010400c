package config_test

import (
	"strings"
	"testing"

	"github.com/zoho2sheets/zoho2sheets/config"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// Zone names are case-sensitive: a zone written in the wrong case is named
// as it is spelled.
func TestTimezoneInTheWrongCase(t *testing.T) {
	for in, want := range map[string]string{"europe/berlin": "Europe/Berlin", "AMERICA/NEW_YORK": "America/New_York", "utc": "UTC"} {
		_, err := config.Parse([]byte("spreadsheet_id: abc\ntimezone: "+in+"\nmodules:\n  - module: Leads\n    columns: [{ header: Zoho ID, field: id }]\n"), "m.yaml", noEnv)
		if h := zsync.Hint(err); !strings.Contains(h, "did you mean "+want+"?") {
			t.Errorf("%s: %v (hint %q), want did you mean %s?", in, err, h, want)
		}
	}
}
