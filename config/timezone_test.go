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

func TestScheduleZoneInTheWrongCase(t *testing.T) {
	_, err := config.Parse([]byte("spreadsheet_id: abc\nschedule: \"CRON_TZ=europe/berlin 0 6 * * *\"\nmodules:\n  - module: Leads\n    columns: [{ header: Zoho ID, field: id }]\n"), "m.yaml", noEnv)
	if h := zsync.Hint(err); !strings.Contains(h, "did you mean CRON_TZ=Europe/Berlin?") {
		t.Errorf("%v (hint %q), want did you mean CRON_TZ=Europe/Berlin?", err, h)
	}
}
