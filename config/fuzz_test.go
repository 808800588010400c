package config_test

import (
	"os"
	"strings"
	"testing"

	"github.com/zoho2sheets/zoho2sheets/config"
)

// FuzzParse: no input makes Parse panic, and every error it returns starts
// with the file name.
func FuzzParse(f *testing.F) {
	for _, p := range []string{"../mapping.yaml", "testdata/valid.yaml", "testdata/many-errors.yaml"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	f.Add("schedule: CRON_TZ=X\nspreadsheet_id: ${A:-$$}\nmodules: [{module: L, columns: [id, {field: a..b}], <<: {sheet: x}}]\n")
	f.Fuzz(func(t *testing.T, src string) {
		_, err := config.Parse([]byte(src), "f.yaml", env(map[string]string{"SPREADSHEET_ID": "abc"}))
		if err == nil {
			return
		}
		for _, line := range strings.Split(err.Error(), "\n") {
			if !strings.HasPrefix(line, "f.yaml") {
				t.Fatalf("error line %q does not start with the file name", line)
			}
		}
	})
}
